"""The DuckDB store: schema, connections."""
from chronolink.engine.store.connection import StoreBusy, StoreMissing, default_db_path, open_store, schema_sql

__all__ = ["StoreBusy", "StoreMissing", "default_db_path", "open_store", "schema_sql"]
