"""The hub's own database: metadata shared by every domain's tables, engines and migrations."""
