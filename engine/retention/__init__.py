"""Retention: purge records older than a cut-off and everything derived from them.

``purge.purge_before`` deletes in one transaction (see its module docstring for what goes
and what stays, including undated rows); ``compact.compact_store`` then rewrites the store
file so purged bytes do not linger in DuckDB's free blocks.
"""
from chronolink.engine.retention.compact import compact_store
from chronolink.engine.retention.purge import PROTECTED_TABLES, purge_before

__all__ = ["PROTECTED_TABLES", "compact_store", "purge_before"]
