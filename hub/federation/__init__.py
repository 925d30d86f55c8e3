"""Assembling profiles from the agencies: sources by name, per-request batch loaders."""
