"""The hub database's Alembic migrations (package data: env.py, script.py.mako, versions/)."""
