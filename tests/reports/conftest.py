from __future__ import annotations

import pytest

from chronolink.reports.safety import vega_bundle


@pytest.fixture(scope="session")
def bundle() -> str:
    """The Vega bundle, built once for the session (about a second)."""
    return vega_bundle()
