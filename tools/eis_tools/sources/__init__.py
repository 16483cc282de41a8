"""Stand-ins for agencies' records-system exports: raw public data joined into upload-shaped extracts.

Not imported by any handler. Each module plays one agency's export job, keeping the agency's own
column names and codes, so that the agency's ingest mapping (``eis_core/ingest/mappings/``) does the
translation exactly as it would for a real upload.
"""
