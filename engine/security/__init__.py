"""Security: encryption at rest, the audit trail, pseudonymised exports.

``encryption`` (re-exported: its home is engine.store.encryption) opens the store encrypted, ``audit`` keeps
a hash-chained log of who did what to whose records, ``pseudonymise`` has the
polars expressions that strip identity from exported columns.
"""

from . import audit, encryption, pseudonymise
from .encryption import (
    encrypt_copy,
    ensure_encryption_support,
    generate_key,
    is_encrypted,
    load_key,
    open_encrypted,
)
from .errors import (
    AuditDetailError,
    AuditIntegrityError,
    EncryptionUnavailable,
    KeyConfigError,
    SecurityError,
    StoreKeyError,
    StoreOpenError,
)
from .pseudonymise import dob_to_month, keyed_pseudonym, postcode_district

__all__ = [
    "audit",
    "encryption",
    "pseudonymise",
    "encrypt_copy",
    "ensure_encryption_support",
    "generate_key",
    "is_encrypted",
    "load_key",
    "open_encrypted",
    "AuditDetailError",
    "AuditIntegrityError",
    "EncryptionUnavailable",
    "KeyConfigError",
    "SecurityError",
    "StoreKeyError",
    "StoreOpenError",
    "dob_to_month",
    "keyed_pseudonym",
    "postcode_district",
]
