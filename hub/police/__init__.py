"""Police assistance (公安协助): 查人, 车辆布控 and 限制出境 requests of a court to public security."""
