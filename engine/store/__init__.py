"""The DuckDB store: schema, connections, the one transaction helper."""
from chronolink.engine.errors import StoreBusy, StoreMissing
from chronolink.engine.store.connection import default_db_path, open_store, schema_sql
from chronolink.engine.store.transactions import in_transaction, transaction

__all__ = ["StoreBusy", "StoreMissing", "default_db_path", "in_transaction", "open_store", "schema_sql", "transaction"]
