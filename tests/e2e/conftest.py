"""The e2e suite runs against the local stack, which sets its own endpoint and credentials."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_real_aws() -> None:
    """Overrides the repository-wide fixture: ``local_stack`` points every client at moto's server."""
