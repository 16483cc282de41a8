"""The portal's address (optional): with `portal_certificate_arn`, portal_origin's host is the API's regional
custom domain (GovCloud has no edge-optimized one), its root mapped to the stage, TLS 1.2."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.config import AgencyConfig
from tests.infrastructure.conftest import Synth


def _only(synth: Synth, agency_id: str, resource_type: str) -> dict[str, Any]:
    [(logical_id, resource)] = synth.resources(agency_id, resource_type).items()
    return {"id": logical_id, **resource["Properties"]}


def test_an_agency_with_a_certificate_gets_its_portal_host_as_the_apis_domain(synth: Synth) -> None:
    # Given springfield's settings name an ACM certificate for eis.springfield.example.gov
    config = synth.agencies_by_id["springfield"]
    assert config.portal_certificate_arn

    domain = _only(synth, "springfield", "AWS::ApiGateway::DomainName")
    mapping = _only(synth, "springfield", "AWS::ApiGateway::BasePathMapping")
    api = _only(synth, "springfield", "AWS::ApiGateway::RestApi")
    stage = _only(synth, "springfield", "AWS::ApiGateway::Stage")
    outputs = synth.templates["springfield"]["Outputs"]

    assert domain["DomainName"] == config.portal_host == "eis.springfield.example.gov"
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert domain["RegionalCertificateArn"] == config.portal_certificate_arn
    assert domain["SecurityPolicy"] == "TLS_1_2"
    # The stage at the domain's root: https://<host>/ is the portal (and the Cognito callback)
    assert mapping["DomainName"] == {"Ref": domain["id"]}
    assert mapping["RestApiId"] == {"Ref": api["id"]}
    assert mapping["Stage"] == {"Ref": stage["id"]}
    assert "BasePath" not in mapping
    # The agency points its DNS at the regional name the stack prints
    assert {"Fn::GetAtt": [domain["id"], "RegionalDomainName"]} in [o["Value"] for o in outputs.values()]


def test_an_agency_without_a_certificate_maps_its_domain_itself(synth: Synth) -> None:
    assert synth.agencies_by_id["shelbyville"].portal_certificate_arn is None
    assert synth.resources("shelbyville", "AWS::ApiGateway::DomainName") == {}
    assert synth.resources("shelbyville", "AWS::ApiGateway::BasePathMapping") == {}


def _springfield_with(synth: Synth, **changes: Any) -> AgencyConfig:
    return AgencyConfig.model_validate(synth.agencies_by_id["springfield"].model_dump(mode="json") | changes)


def test_a_certificate_from_another_region_is_refused_at_synth(synth: Synth) -> None:
    elsewhere = "arn:aws-us-gov:acm:us-gov-east-1:111111111111:certificate/0b5f2c1e-7d3a-4e8f-9c6b-2a1d4e5f6a7b"

    with pytest.raises(ValidationError, match="certificate in the stack's region, us-gov-west-1"):
        _springfield_with(synth, portal_certificate_arn=elsewhere)


def test_a_portal_origin_on_another_port_cannot_be_a_custom_domain(synth: Synth) -> None:
    with pytest.raises(ValidationError, match="default port"):
        _springfield_with(synth, portal_origin="https://eis.springfield.example.gov:8443")
