"""The asynchronous 查控 request: one request of a judge for many subjects, answered per bank over time."""
