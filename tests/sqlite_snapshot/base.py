"""SQLite's backend with the snapshot-loading test database creation (see __init__.py)."""

from django.db.backends.sqlite3 import base

from .creation import DatabaseCreation


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
