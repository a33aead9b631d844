"""Exceptions raised by ``engine.security``.

::

    SecurityError                 base class; never carries a key, a name or a raw value
    ├── KeyConfigError            key missing, malformed, too short, or key file too open
    ├── EncryptionUnavailable     no secure (OpenSSL) crypto module can be loaded offline,
    │                             so an encrypted store cannot be written
    ├── StoreKeyError             wrong key, no key for an encrypted store, or a key for a
    │                             plaintext store; the message names the file, never the key
    ├── StoreOpenError            the store could not be attached for another reason
    │                             (lock held, corrupt file); DuckDB's text with the key masked
    ├── AuditDetailError          an audit entry's detail would carry a name or free text
    └── AuditIntegrityError       the audit trail's tail does not match its head record,
                                  so appending would extend a tampered log
"""

from __future__ import annotations


class SecurityError(Exception):
    """Base class for errors of ``engine.security``."""


class KeyConfigError(SecurityError, ValueError):
    """The encryption key is missing, malformed or stored insecurely."""


class EncryptionUnavailable(SecurityError, RuntimeError):
    """Encrypted writes are impossible on this installation; nothing was written."""


class StoreKeyError(SecurityError):
    """The key does not fit the store: wrong key, missing key, or store not encrypted."""


class StoreOpenError(SecurityError):
    """The store could not be opened for a reason other than the key."""


class AuditDetailError(SecurityError, ValueError):
    """An audit entry would carry a name, free text or an unexpected value."""


class AuditIntegrityError(SecurityError):
    """The audit trail is inconsistent; run ``audit.verify`` for the first bad entry."""
