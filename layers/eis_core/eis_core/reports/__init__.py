"""Oversight reports computed from cases and records (pandas allowed: not imported by the case API)."""
