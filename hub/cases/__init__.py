"""The court's own case data: courts, cases, judges assigned, parties."""
