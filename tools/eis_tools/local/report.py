"""Print what the demo did, and save captured email where a person can read it."""

from __future__ import annotations

from pathlib import Path

from eis_tools.local.demo import DemoResult


def print_summary(result: DemoResult, *, outbox: Path) -> bool:
    """Print the demo summary; True when every stage produced what an agency would expect to see."""
    outbox.mkdir(parents=True, exist_ok=True)
    for index, email in enumerate(result.emails, start=1):
        (outbox / f"{index:03d}.txt").write_text(
            f"To: {', '.join(email.to)}\nSubject: {email.subject}\n\n{email.body}\n", encoding="utf-8"
        )

    print(f"\n=== EIS demo: agency '{result.agency_id}', scored as of {result.as_of} ===")
    print("Ingest (upload -> S3 event -> ingest function):")
    for f in result.files:
        status = f"REJECTED: {f.reason}" if f.rejected else f"{f.accepted:>7} ingested, {f.quarantined:>4} quarantined"
        print(f"  {f.kind:<18} {status}")
    print(f"  {'total':<18} {result.rows_ingested:>7} ingested, {result.rows_quarantined:>4} quarantined")
    c = result.curated
    print('Frames snapshot ({"job": "curate"} -> score function):')
    print(f"  {c.get('events')} events built from the records in {c.get('seconds', 0):.1f}s, read by the jobs below")
    t = result.training
    print('Retraining ({"job": "retrain"} -> score function):')
    print(
        f"  model {t.get('model_id')} trained on {t.get('officer_years')} officer-years before {t.get('cutoff')},"
        f" base rate {t.get('base_rate', 0):.3f}; card at {t.get('card_key')}"
    )
    promotion = t.get("promotion") or {}
    if promotion:
        verdict = "promoted to current" if t.get("promoted", True) else "KEPT AS A CANDIDATE (operations told)"
        print(f"  {verdict}: {promotion.get('reason')}")
    s = result.scoring
    print("Scoring (schedule -> score function):")
    print(
        f"  officers scored: {s.get('officers_scored')}, alerts raised: {s.get('alerts_created')},"
        f" merged into open cases: {s.get('alerts_merged')},"
        f" trained model: {s.get('trained_model_id') or 'none (peer-and-rule scorer)'},"
        f" scoring setup: {s.get('scoring_config_id')}"
    )
    print("Notification (alert -> SNS -> SQS -> notify function -> SES):")
    print(
        f"  messages delivered: {result.notifications_delivered}, emails captured: {len(result.emails)}"
        f" (saved in {outbox})"
    )
    if result.emails:
        first = result.emails[0]
        print(f"  first: to {', '.join(first.to)} — {first.subject!r}")
    print(f"Case API (REST, Cognito-style JWT) on {result.api_url}:")
    if result.opened_case:
        case = result.opened_case
        print(
            f"  case {case['case_id']} opened over HTTP from alert {case['alert_ids'][0]}"
            f" for officer {case['officer_id']}, review due {case['review_due_on']}"
        )
    else:
        print("  no case was opened (no alert to open one from)")
    if result.case_walk:
        print("  a second case worked to closure over HTTP (as the risk manager, with a hand-off and a deferral):")
        for step in result.case_walk:
            state = f" -> {step.case_status}" if step.case_status else ""
            print(f"    {step.status_code} {step.method:<4} {step.path:<72} {step.action}{state}")
    print(
        f"Audit: {result.audit_records} records, hash chain {'verified' if result.audit_chain_ok else 'BROKEN'},"
        f" {result.audit_exported} exported to the Object-Lock audit bucket"
    )
    print(
        f"Audit verify (eis audit verify): {'passed' if result.audit_verified else 'FAILED'},"
        f" {result.audit_verification}"
    )
    print(f"\nPortal: {result.api_url}/ (sign in with the local user pool; passwords change every run)")
    for username, (role, password) in result.sign_ins.items():
        print(f"  {role.replace('_', ' '):<13} username {username:<16} password {password}")
    print("\nTokens (Cognito id tokens from the local user pool, valid 1 hour):")
    for role, token in result.tokens.items():
        print(f"  export EIS_{role.upper()}_TOKEN={token}")
    role = "supervisor" if "supervisor" in result.tokens else "risk_manager"
    variable = f"$EIS_{role.upper()}_TOKEN"
    print(f"\nTry it (as the {role.replace('_', ' ')}):")
    print(f'  curl -s -H "Authorization: Bearer {variable}" {result.api_url}/alerts')
    if result.opened_case:
        print(f'  curl -s -H "Authorization: Bearer {variable}" {result.api_url}/cases/{result.opened_case["case_id"]}')
        print(
            f'  curl -s -X POST -H "Authorization: Bearer {variable}" -H "Content-Type: application/json"'
            f""" -d '{{"to": "in_review"}}' {result.api_url}/cases/{result.opened_case["case_id"]}/transitions"""
        )
        print(
            f'  curl -s -H "Authorization: Bearer {variable}"'
            f" {result.api_url}/officers/{result.opened_case['officer_id']}"
        )
    print(f'  curl -s -H "Authorization: Bearer $EIS_AUDITOR_TOKEN" {result.api_url}/audit')

    return bool(
        result.rows_ingested
        and result.opened_case
        and bool(result.case_walk)
        and result.case_walk[-1].case_status == "closed"
        and result.emails
        and result.audit_chain_ok
        and result.audit_verified
    )
