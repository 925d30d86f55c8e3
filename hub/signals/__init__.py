"""Signals the hub derives from agency records: whether an enterprise operates, whether a
person lives at the registered address, whether an enterprise is in tax arrears."""
