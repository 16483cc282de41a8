// Views for the risk team and auditors, from the oversight routes: the latest scoring run (counts,
// fairness table), the current model card, deferrals, and the audit trail with its chain check.
// Each section loads on its own, so a role that may read only part (auditors: no deferrals) still
// sees the rest; the API decides what each role may read.

import { ApiError, type CaseApi } from "../api";
import { alertBox, dataTable, formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { AuditPage, FairnessRow } from "../types";

async function guarded(title: string, load: () => Promise<HTMLElement>): Promise<HTMLElement> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
      return h("p", {}, `${title}: not available to your role, or nothing yet.`);
    }
    throw error;
  }
}

const ratio = (value: number | null | undefined): string => (value === null || value === undefined ? "n/a" : value.toFixed(2));
const pct = (value: number | null | undefined): string => (value === null || value === undefined ? "n/a" : `${(value * 100).toFixed(1)}%`);

function fairnessTable(rows: FairnessRow[]): HTMLElement {
  return dataTable("fairness", "Flag rates by group against the reference group (ratios outside 0.8 to 1.25 are marked)", ["Group", "Attribute", "Officers", "Flagged", "Flag rate", "Ratio to reference"],
    rows.map((r) => [
      r.group, r.attribute, String(r.officers), String(r.flagged), pct(r.flag_rate),
      r.outside_range?.length ? h("span", {}, `${ratio(r.flag_rate_ratio)} `, h("strong", {}, "(outside range)")) : ratio(r.flag_rate_ratio),
    ]));
}

export async function oversightView(api: CaseApi): Promise<void> {
  const run = await guarded("Scoring runs", async () => {
    const runs = await api.runs();
    const latest = runs.runs[0];
    if (!latest) return h("p", {}, "No scoring run yet.");
    const report = await api.run(latest);
    const c = report.counts;
    return h("div", {},
      h("p", { id: "run-summary" }, `Run of ${formatDate(report.as_of)} (generated ${formatDateTime(report.generated_at)}): ${c.officers_scored} officers scored, ${c.flagged} flagged, ${c.alerts_published ?? 0} alerts published, ${c.alerts_merged ?? 0} merged into open cases.`),
      report.fairness?.groups?.length ? fairnessTable(report.fairness.groups) : h("p", {}, "No fairness table in this run."),
      report.fairness?.note ? h("p", { class: "usa-hint" }, report.fairness.note) : "",
      report.feedback ? h("p", {}, `Feedback counted before ${formatDate(report.feedback.counted_before)}: ${report.feedback.closed_cases} closed cases, ${report.feedback.dismissed_alerts} dismissed alerts.`) : "",
      runs.runs.length > 1 ? h("p", { class: "text-base" }, `Earlier runs: ${runs.runs.slice(1).map(formatDate).join(", ")}.`) : "",
    );
  });
  const model = await guarded("Model card", async () => {
    const card = await api.currentModel();
    const m = card.temporal_validation.metrics;
    return h("dl", { id: "model-card" },
      ...[
        ["Model", `${card.model_id} (${humanize(card.status).toLowerCase()}), trained ${formatDateTime(card.trained_at)}`],
        ["Estimator", `${card.estimator} (scikit-learn ${card.sklearn_version})`],
        ["Predicts", card.adverse_event],
        ["Base rate", pct(card.base_rate)],
        ["Validated on", `${formatDate(card.temporal_validation.as_of)}${m ? `: precision at the top ${pct(m.precision_at_top)}${m.auc != null ? `, AUC ${m.auc.toFixed(2)}` : ""}` : ""}`],
        ["Features", card.features.map((f) => f.label).join(", ")],
      ].flatMap(([term, value]) => [h("dt", { class: "text-bold" }, term ?? ""), h("dd", { class: "margin-left-0 margin-bottom-1" }, value ?? "")]),
    );
  });
  const deferrals = await guarded("Deferrals", async () => {
    const list = await api.deferrals();
    return list.deferrals.length
      ? dataTable("deferrals", "Active deferrals: supervisors do not see these", ["Officer", "Deferred", "Review on", "State"],
          list.deferrals.map((d) => [
            h("a", { class: "usa-link", href: d.target === "case" ? `#/cases/${d.target_id}` : `#/officers/${d.officer_id}` }, `${d.officer_id} (${d.target})`),
            formatDate(d.deferred_at), formatDate(d.review_on), d.expired ? "Review date passed" : "Active",
          ]))
      : h("p", {}, "No active deferrals.");
  });
  render(
    "Risk team",
    h("h1", { class: "margin-top-4" }, "Risk team"),
    h("p", { class: "usa-intro" }, "The latest scoring run, its fairness table, the model behind it, and what is deferred."),
    h("section", { "aria-labelledby": "run-heading" }, h("h2", { id: "run-heading" }, "Latest scoring run"), run),
    h("section", { "aria-labelledby": "model-heading" }, h("h2", { id: "model-heading" }, "Current model"), model),
    h("section", { "aria-labelledby": "deferrals-heading" }, h("h2", { id: "deferrals-heading" }, "Deferrals"), deferrals),
  );
}

export async function auditView(api: CaseApi, params: URLSearchParams): Promise<void> {
  const since = params.get("since");
  const page: AuditPage = await api.audit(since ? Number(since) : undefined);
  const next = page.next_since_seq;
  render(
    "Audit trail",
    h("h1", { class: "margin-top-4" }, "Audit trail"),
    page.chain_valid
      ? alertBox("success", "Chain verified.", "Every record on this page links to the one before it, unaltered.")
      : alertBox("error", "Chain check failed.", page.chain_problem ?? "A record does not link to the one before it."),
    page.records.length
      ? dataTable("audit", `${page.records.length} records, oldest first (free text is never stored here)`, ["Seq", "When", "Who", "Action", "Target", "Outcome"],
          page.records.map((r) => [String(r.seq), formatDateTime(r.at), `${r.actor} (${humanize(r.role).toLowerCase()})`, r.action, `${r.target_type} ${r.target_id}`, humanize(r.outcome)]))
      : h("p", {}, "No records."),
    next !== null ? h("p", {}, h("a", { class: "usa-link", href: `#/audit?since=${next}` }, "Next records")) : "",
  );
}
