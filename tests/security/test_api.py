"""The public surface of engine.security does not drift by accident."""

import chronolink.engine.security as security
from chronolink.engine.security import audit, encryption, pseudonymise

EXPECTED = {
    "audit", "encryption", "pseudonymise",
    "encrypt_copy", "ensure_encryption_support", "generate_key", "is_encrypted", "load_key", "open_encrypted",
    "AuditDetailError", "AuditIntegrityError", "EncryptionUnavailable", "KeyConfigError",
    "SecurityError", "StoreKeyError", "StoreOpenError",
    "dob_to_month", "keyed_pseudonym", "postcode_district",
}


def test_public_api():
    assert set(security.__all__) == EXPECTED
    for module in (security, audit, encryption, pseudonymise):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_errors_share_a_base():
    for name in ("AuditDetailError", "AuditIntegrityError", "EncryptionUnavailable",
                 "KeyConfigError", "StoreKeyError", "StoreOpenError"):
        assert issubclass(getattr(security, name), security.SecurityError)
