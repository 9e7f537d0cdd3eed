"""The search log in a database (SQLAlchemy 2, migrations by Alembic): searches, clicks and
feedback, personal data masked. `db` opens the database of the settings, `models` holds the
tables, `search_log` writes in the background and answers the editors' questions."""
