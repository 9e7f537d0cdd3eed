"""Alembic's environment: the connection `search_api.storage.db.migrate` hands over, or the
database of the settings when run to write a new migration."""

from __future__ import annotations

from alembic import context

from search_api.storage.models import Base


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_given = context.config.attributes.get("connection")
if _given is not None:
    _run(_given)
else:
    from kb.settings import get_settings
    from search_api.storage.db import connect, transaction

    with transaction(connect(get_settings()), exclusive=True) as _connection:
        _run(_connection)
