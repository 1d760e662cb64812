from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _use_sqlite_parameter_limit(sender: object, connection: object, **kwargs: object) -> None:
    """Django 5.2 assumes SQLite takes 999 parameters per statement and splits bulk inserts
    into ~80-row batches; ask SQLite for its real limit (as Django 6 does) so bulk actions on
    thousands of lines stay a handful of statements."""
    if getattr(connection, "vendor", "") == "sqlite":
        import sqlite3

        raw = connection.connection  # type: ignore[attr-defined]
        connection.features.max_query_params = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[attr-defined]


class CoreConfig(AppConfig):
    name = "fleetportal.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(_use_sqlite_parameter_limit, dispatch_uid="fleetportal-sqlite-limit")
        from . import delivery, events, tasks

        events.register_channel()
        delivery.set_dispatcher(tasks.deliver_rows)
