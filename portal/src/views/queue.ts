// "My queue": the alerts the caller may see, those needing action first, then critical, then newest.
// The /queue route (cases and check-ins due) will feed this page when it lands on main.

import type { CaseApi } from "../api";
import { formatDate, h, humanize, render } from "../dom";
import type { AlertOut, AlertStatus } from "../types";

const STATUSES: AlertStatus[] = ["new", "case_opened", "merged", "dismissed", "case_closed"];

export function sortQueue(alerts: AlertOut[]): AlertOut[] {
  const rank = (a: AlertOut): number => (a.status === "new" ? 0 : 1) * 2 + (a.level === "critical" ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at));
}

export async function queueView(api: CaseApi, params: URLSearchParams): Promise<void> {
  const raw = params.get("status") ?? "";
  const status = (STATUSES as string[]).includes(raw) ? (raw as AlertStatus) : undefined;
  const list = await api.alerts(status);
  const alerts = sortQueue(list.alerts);

  const select = h(
    "select",
    { class: "usa-select", id: "status-filter", name: "status" },
    h("option", { value: "" }, "All statuses"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, humanize(s))),
  );
  const filter = h(
    "form",
    { class: "usa-form maxw-none display-flex flex-align-end flex-wrap eis-no-print", "aria-label": "Filter alerts" },
    h("div", { class: "margin-right-2" }, h("label", { class: "usa-label", for: "status-filter" }, "Status"), select),
    h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Apply filter"),
  );
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = select.value ? `#/queue?status=${select.value}` : "#/queue";
  });

  const rows = alerts.map((alert) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("a", { class: "usa-link", href: `#/alerts/${alert.alert_id}` }, alert.officer_id)),
      h("td", {}, h("span", { class: `usa-tag ${alert.level === "critical" ? "bg-secondary-dark" : "bg-gold text-ink"}` }, humanize(alert.level))),
      h("td", {}, alert.score.toFixed(2)),
      h("td", {}, humanize(alert.status)),
      h("td", {}, formatDate(alert.as_of)),
      h(
        "td",
        {},
        alert.case_id
          ? h("a", { class: "usa-link", href: `#/cases/${alert.case_id}` }, "Go to case")
          : h("a", { class: "usa-link", href: `#/alerts/${alert.alert_id}` }, "Review alert"),
      ),
    ),
  );
  const table = h(
    "table",
    { class: "usa-table usa-table--borderless usa-table--stacked width-full" },
    h("caption", {}, `${alerts.length} alert${alerts.length === 1 ? "" : "s"}${status ? ` (${humanize(status)})` : ""}, those needing action first`),
    h(
      "thead",
      {},
      h("tr", {}, ["Officer", "Level", "Score", "Status", "Scored as of", "Next step"].map((c) => h("th", { scope: "col" }, c))),
    ),
    h("tbody", {}, rows),
  );
  render(
    "My queue",
    h("h1", { class: "margin-top-4" }, "My queue"),
    h("p", { class: "usa-intro" }, "Alerts for the officers you supervise. Each is a prompt for a supportive conversation, not a finding."),
    filter,
    alerts.length ? table : h("p", { role: "status" }, "Nothing in your queue."),
  );
}
