"""Alembic migrations of the search log; `search_api.storage.db.migrate` runs them at start.

After a change to `search_api/storage/models.py`, write the next migration with
`python -m search_api.storage.migrations "what changed"` (it compares the tables with the
database of the settings) and read it before committing.
"""
