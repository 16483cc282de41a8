"""Synthetic agencies: a realistic department, its history as CSV extracts, and a hidden answer key.

Used by ``eis generate``, the local end-to-end run and the tests. Nothing here is imported by a handler.
"""

from eis_tools.generate.agency import TRUTH_FILE, GeneratedAgency, generate_agency, write_extracts
from eis_tools.generate.config import AdverseEvent, AtRiskOfficer, GeneratorConfig, GroundTruth

__all__ = [
    "TRUTH_FILE",
    "AdverseEvent",
    "AtRiskOfficer",
    "GeneratedAgency",
    "GeneratorConfig",
    "GroundTruth",
    "generate_agency",
    "write_extracts",
]
