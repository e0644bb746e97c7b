"""Django's SQLite backend, creating the database file's folder on first connection.

A fresh clone has no ``var/`` (it is ignored by git), so ``migrate`` would fail with "unable to
open database file". The folder is made here, where the file is opened, rather than at import
time or by the Makefile, so every command (and any ``VAR_DIR``) works on its own.
"""

from pathlib import Path

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = str(conn_params.get("database", ""))
        if name and not self.is_in_memory_db() and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
