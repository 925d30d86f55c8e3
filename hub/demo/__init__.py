"""Deterministic demo data: agency databases, the court's cases, demo users and their tokens."""
