"""`python -m search_api.storage.migrations "what changed"`: write a new migration into
`versions/`, compared with the database of the settings (brought up to date first)."""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config

from kb.settings import get_settings
from search_api.storage.db import MIGRATIONS, open_database

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m search_api.storage.migrations "what changed"')
    open_database(get_settings()).dispose()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    command.revision(config, message=sys.argv[1], autogenerate=True)
