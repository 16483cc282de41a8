"""Synthesise the shipped two-agency deployment once per session; tests read the templates."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.config import AgenciesFile, AgencyConfig, load_agencies
from infra.layer import build_layers

# Before aws_cdk starts its node process (first imported in a fixture): no node-version banners.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20,22")

# Templates are what is asserted; copying 250 MB of layer assets into cdk.out is not.
NO_ASSET_STAGING = {"aws:cdk:disable-asset-staging": True}


@dataclass(frozen=True)
class Synth:
    agencies: AgenciesFile
    eis: Any  # infra.app.EisApp
    templates: dict[str, dict[str, Any]]  # agency_id -> CloudFormation template
    platform_templates: dict[tuple[str, str], dict[str, Any]]  # (account, region) -> template
    outdir: Path

    @property
    def app(self) -> Any:
        return self.eis.app

    @property
    def stacks(self) -> dict[str, Any]:
        return dict(self.eis.agencies)

    @property
    def agencies_by_id(self) -> dict[str, AgencyConfig]:
        return {agency.agency_id: agency for agency in self.agencies.agencies}

    def resources(self, agency_id: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.templates[agency_id]["Resources"].items()
            if resource["Type"] == resource_type
        }

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))


def synthesize(agencies: AgenciesFile, layer_dirs: dict[str, Path], outdir: Path) -> Synth:
    """Build and synthesise the app; the synth itself fails on any unacknowledged cdk-nag finding."""
    from infra.app import build_app

    eis = build_app(agencies, layer_dirs=layer_dirs, outdir=str(outdir), context=NO_ASSET_STAGING)
    assembly = eis.app.synth()
    return Synth(
        agencies=agencies,
        eis=eis,
        templates={
            agency_id: assembly.get_stack_by_name(stack.stack_name).template
            for agency_id, stack in eis.agencies.items()
        },
        platform_templates={
            where: assembly.get_stack_by_name(stack.stack_name).template for where, stack in eis.platforms.items()
        },
        outdir=outdir,
    )


@pytest.fixture(scope="session")
def layer_dirs() -> dict[str, Path]:
    """Built (first run: downloaded from PyPI, about a minute) or reused from build/layers."""
    return build_layers()


@pytest.fixture(scope="session")
def synth(layer_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield synthesize(load_agencies(), layer_dirs, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def agency_ids(synth: Synth) -> list[str]:
    return [agency.agency_id for agency in synth.agencies.agencies]
