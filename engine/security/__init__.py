"""Security: the audit trail, pseudonymised exports (and encryption at rest, re-exported from its home).

``audit`` keeps a hash-chained log of who did what to whose records, ``pseudonymise`` has the polars
expressions that strip identity from exported columns. Encryption at rest lives in the store
(:mod:`chronolink.engine.store.encryption`: the store opens files encrypted, and it sits below security in
the import layering) and the errors in :mod:`chronolink.engine.errors`; both are re-exported here, so
``from chronolink.engine.security import encryption, StoreKeyError`` gives the one module and the one class.
"""

from chronolink.engine.errors import (
    AuditDetailError,
    AuditIntegrityError,
    EncryptionUnavailable,
    KeyConfigError,
    SecurityError,
    StoreKeyError,
    StoreOpenError,
)
from chronolink.engine.store import encryption
from chronolink.engine.store.encryption import (
    encrypt_copy,
    ensure_encryption_support,
    generate_key,
    is_encrypted,
    load_key,
    open_encrypted,
)

from . import audit, pseudonymise
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
