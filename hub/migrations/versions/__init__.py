"""The revisions of the hub database, in order (Alembic reads them by path)."""
