"""Shared fixtures: a moto-backed agency built from the same schema the CDK stack uses."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import boto3
import pytest
from moto import mock_aws

from eis_core.storage.schema import AgencyResources
from eis_tools.local.resources import LocalAgency, LocalSettings, create_agency_resources
from eis_tools.local.runtime import cold_start

EVENTS = Path(__file__).parent / "events"
CHICAGO = Path(__file__).resolve().parents[2] / "shared" / "data-raw" / "chicago"
HANDLERS = (
    "functions.cases_api.handler",
    "functions.ingest.handler",
    "functions.notify.handler",
    "functions.score.handler",
)
AGENCY_ID = "testville"
REGION = "us-east-1"
ACCOUNT = "123456789012"
SCORE_FUNCTION = "eis-testville-score"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach AWS: fake credentials, a fixed region, no FIPS endpoints, no X-Ray."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("AWS_USE_FIPS_ENDPOINT", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "EIS")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "eis-test")


@pytest.fixture
def resources() -> AgencyResources:
    return AgencyResources(agency_id=AGENCY_ID, account=ACCOUNT, region=REGION)


@pytest.fixture
def moto_agency(resources: AgencyResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAgency]:
    """Given an agency's tables, buckets, topic, queue and SES identity in moto, with its env set."""
    with mock_aws():
        agency = create_agency_resources(
            boto3.Session(region_name=REGION), resources, sender_email="eis-noreply@testville.example.gov"
        )
        for name, value in agency.environment().items():
            monkeypatch.setenv(name, value)
        _cold_start_handlers()
        yield agency
        _cold_start_handlers()


def _cold_start_handlers() -> None:
    """Each moto agency is a new execution environment: no handler keeps settings or clients of another
    agency (the local stack's tests run in the same process and cache their own)."""
    for name in HANDLERS:
        if name in sys.modules:
            cold_start(sys.modules[name])


@pytest.fixture
def settings(moto_agency: LocalAgency) -> LocalSettings:
    return LocalSettings.from_env(os.environ)


@pytest.fixture
def score(moto_agency: LocalAgency, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """Given the score function's module, its composition root rebuilt inside this test's moto."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", SCORE_FUNCTION)
    from functions.score import handler as module

    module._service.cache_clear()
    yield module
    module._service.cache_clear()
