"""Exceptions raised by ``engine.security``: their home is :mod:`chronolink.engine.errors`.

::

    SecurityError                 base class; never carries a key, a name or a raw value
    ├── KeyConfigError            key missing, malformed, too short, or key file too open
    ├── EncryptionUnavailable     no secure (OpenSSL) crypto module can be loaded offline
    ├── StoreKeyError             wrong key, no key for an encrypted store, or a key for a plaintext store
    ├── StoreOpenError            an encrypted store could not be attached for another reason
    ├── AuditDetailError          an audit entry's detail would carry a name or free text
    └── AuditIntegrityError       the audit trail fails verification, so it is not extended
"""

from __future__ import annotations

from chronolink.engine.errors import (  # noqa: F401 (re-exported)
    AuditDetailError,
    AuditIntegrityError,
    EncryptionUnavailable,
    KeyConfigError,
    SecurityError,
    StoreKeyError,
    StoreOpenError,
)
