"""Encryption at rest: its home is :mod:`chronolink.engine.store.encryption` (the store opens files
encrypted, and the store sits below security in the import layering, docs/architecture.md).

Re-exported here so that existing imports keep working.
"""

from __future__ import annotations

from chronolink.engine.store.encryption import (  # noqa: F401 (re-exported)
    HTTPFS_ENV,
    KEY_ENV,
    KEY_FILE_ENV,
    MAX_KEY_CHARS,
    MIN_KEY_CHARS,
    ConfigValue,
    encrypt_copy,
    ensure_encryption_support,
    generate_key,
    is_encrypted,
    load_key,
    open_encrypted,
)

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "HTTPFS_ENV",
    "MIN_KEY_CHARS",
    "MAX_KEY_CHARS",
    "ConfigValue",
    "generate_key",
    "load_key",
    "ensure_encryption_support",
    "open_encrypted",
    "encrypt_copy",
    "is_encrypted",
]
