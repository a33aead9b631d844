"""Fixtures for the security tests. Nothing here touches the network: every
DuckDB connection has extension auto-install (and auto-load) switched off."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run from anywhere without an editable install
    sys.path.insert(0, str(ROOT))

from chronolink.engine.errors import EncryptionUnavailable  # noqa: E402
from chronolink.engine.store.encryption import ensure_encryption_support  # noqa: E402

#: DuckDB settings for tests: never download or auto-load an extension.
OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
#: Set to 1 (in CI, once the DuckDB/httpfs pin is in pyproject) to turn the
#: "encryption unavailable" skip into a failure.
REQUIRE_ENV = "CHRONOLINK_TEST_REQUIRE_ENCRYPTION"


@pytest.fixture(scope="session")
def encryption_available() -> None:
    """Skip (or fail, when required) tests that write an encrypted store."""
    con = duckdb.connect(config=OFFLINE)
    try:
        ensure_encryption_support(con)
    except EncryptionUnavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {exc}")
        pytest.skip("encrypted writes unavailable: " + str(exc).splitlines()[0][:200])
    finally:
        con.close()


@pytest.fixture
def offline() -> dict[str, object]:
    return dict(OFFLINE)
