"""Case service: alerts, cases and notes through the case API, with access rules and auditing."""
