"""The portal in AWS: its files in a private encrypted bucket, served by the agency's API with the same
headers as the local stack (strict CSP, HSTS, no framing, nosniff, no-store on the page and config)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eis_core.portal_headers import (
    ASSET_CACHE,
    HASHED_ASSET_CACHE,
    HASHED_ASSETS,
    PAGE_CACHE,
    cache_control,
    portal_security_headers,
)
from eis_tools.local.portal_site import PORTAL_DIST, PORTAL_SECURITY_HEADERS
from tests.infrastructure.conftest import Synth


@pytest.fixture(scope="module", params=["springfield", "shelbyville"])
def agency_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _text(value: Any) -> str:
    """A template string with deploy-time parts (Fn::Join of Refs) as '<ref>' placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_text(part) for part in parts)
    return "<ref>"


def _unquote(static: Any) -> str:
    """An API Gateway static header value back to the header the browser gets."""
    static = _text(static)
    assert static.startswith("'") and static.endswith("'"), static
    return str(static[1:-1].replace("\\'", "'"))


def _portal_methods(synth: Synth, agency_id: str) -> dict[str, dict[str, Any]]:
    """The unauthenticated GET methods, by what they serve (S3 object path or 'config.json')."""
    found: dict[str, dict[str, Any]] = {}
    for method in synth.resources(agency_id, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props.get("AuthorizationType") != "NONE" or props["HttpMethod"] != "GET":
            continue
        integration = props["Integration"]
        if integration["Type"] == "MOCK":
            found["config.json"] = props
        else:
            uri = json.dumps(integration["Uri"])
            served = "media" if "assets/media/{path}" in uri else "assets" if "assets/{path}" in uri else "index.html"
            found[served] = props
    return found


def _headers(response: dict[str, Any]) -> dict[str, str]:
    prefix = "method.response.header."
    return {
        name.removeprefix(prefix): _unquote(value)
        for name, value in response["ResponseParameters"].items()
        if _text(value).startswith("'")
    }


def test_the_portal_bucket_is_private_encrypted_versioned_and_ssl_only(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    [bucket] = [
        b
        for b in synth.resources(agency_id, "AWS::S3::Bucket").values()
        if b["Properties"].get("BucketName") == config.portal_bucket
    ]
    props = bucket["Properties"]
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "portal/"
    policies = [
        p
        for p in synth.resources(agency_id, "AWS::S3::BucketPolicy").values()
        if "PortalFiles" in json.dumps(p["Properties"]["Bucket"])
    ]
    [policy] = policies
    denies = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false" for s in denies)


def test_the_api_serves_the_page_assets_and_config_without_sign_in_and_nothing_else(
    synth: Synth, agency_id: str
) -> None:
    methods = _portal_methods(synth, agency_id)
    [api] = synth.resources(agency_id, "AWS::ApiGateway::RestApi").values()

    assert set(methods) == {"index.html", "assets", "media", "config.json"}
    for served in ("index.html", "assets", "media"):
        integration = methods[served]["Integration"]
        assert integration["Type"] == "AWS"
        assert integration["IntegrationHttpMethod"] == "GET"
        assert ":s3:path/" in json.dumps(integration["Uri"])
        assert "Credentials" in integration
    assert methods["assets"]["RequestParameters"] == {"method.request.path.path": True}
    assert methods["media"]["RequestParameters"] == {"method.request.path.path": True}
    assert api["Properties"]["BinaryMediaTypes"] == ["*/*"]  # fonts pass through unchanged


def test_the_read_role_may_only_get_the_portal_files_and_decrypt_through_s3(synth: Synth, agency_id: str) -> None:
    [policy] = [
        p
        for lid, p in synth.resources(agency_id, "AWS::IAM::ManagedPolicy").items()
        if lid.startswith("PortalReadPolicy")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])) == [
        "kms:Decrypt",
        "s3:GetObject",
    ]
    [kms] = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert "kms:ViaService" in kms["Condition"]["StringEquals"]


def test_every_portal_answer_carries_the_local_stacks_headers(synth: Synth, agency_id: str) -> None:
    methods = _portal_methods(synth, agency_id)
    for served, props in methods.items():
        responses = props["Integration"]["IntegrationResponses"]
        ok = next(r for r in responses if r["StatusCode"] == "200")
        headers = _headers(ok)
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "connect-src 'self' https://" in csp  # and the user pool's domain, for the token endpoint
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["X-Content-Type-Options"] == "nosniff"
        # The page and its settings are never stored; unhashed bundles are revalidated; hashed media kept a year
        cache = {"assets": ASSET_CACHE, "media": HASHED_ASSET_CACHE}.get(served, PAGE_CACHE)
        assert headers["Cache-Control"] == cache
        # The same headers as the local gateway, but for the sign-in domain the browser may fetch
        domain = csp.split("connect-src 'self' ")[1].split(";")[0]
        assert {
            k: v for k, v in headers.items() if k not in {"Cache-Control", "Content-Type"}
        } == portal_security_headers(domain)
        assert set(portal_security_headers(domain)) == set(PORTAL_SECURITY_HEADERS)
        declared = {r["StatusCode"]: r["ResponseParameters"] for r in props["MethodResponses"]}
        assert all(f"method.response.header.{h}" in declared["200"] for h in headers)
    assert _headers(next(r for r in methods["config.json"]["Integration"]["IntegrationResponses"]))["Content-Type"] == (
        "application/json"
    )


def test_the_portal_signs_in_with_the_code_flow_through_the_pools_domain(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    [client] = synth.resources(agency_id, "AWS::Cognito::UserPoolClient").values()
    [domain] = synth.resources(agency_id, "AWS::Cognito::UserPoolDomain").values()
    props = client["Properties"]

    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["CallbackURLs"] == [config.portal_url]
    assert "GenerateSecret" not in props or props["GenerateSecret"] is False  # a public client: PKCE
    assert domain["Properties"]["Domain"].startswith(config.resources.prefix)
    template = json.dumps(_portal_methods(synth, agency_id)["config.json"]["Integration"]["IntegrationResponses"])
    for endpoint in ("/oauth2/authorize", "/oauth2/token", "/oauth2/revoke"):
        assert endpoint in template


def test_the_api_sends_each_built_file_the_cache_control_its_object_carries(synth: Synth, agency_id: str) -> None:
    # Given the files `make setup` built (the deployment stores each with cache_control(path): test_portal_publish)
    methods = _portal_methods(synth, agency_id)
    files = sorted(p.relative_to(PORTAL_DIST).as_posix() for p in PORTAL_DIST.rglob("*") if p.is_file())

    assert files
    for path in files:
        served = "index.html" if path == "index.html" else "media" if path.startswith(HASHED_ASSETS) else "assets"
        ok = next(r for r in methods[served]["Integration"]["IntegrationResponses"] if r["StatusCode"] == "200")
        assert _headers(ok)["Cache-Control"] == cache_control(path), path
