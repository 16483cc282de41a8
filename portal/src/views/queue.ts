// "My queue", the supervisor's landing page, from GET /queue: cases by review date with overdue first,
// new alerts, check-ins and hand-offs due, and what changed since the caller's last visit. The last
// visit (when, and the ids and statuses the queue showed) is kept on the server per user
// (GET/PUT /me/last-visit), so it survives signing out and the idle lock; nothing about a case is
// written to the workstation.

import type { CaseApi } from "../api";
import { formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { AlertOut, CaseSummaryOut, LastVisitOut, QueueEntryOut, QueueOut } from "../types";
import { officerSearchForm } from "./officers";
import { supervisorWellnessNotice } from "./wellness";

export interface Seen {
  at: string;
  alerts: Set<string>;
  cases: Map<string, string>; // case id -> status
}

/** The server's marker as the comparison needs it; null before the caller's first recorded visit. */
export function seenFrom(visit: LastVisitOut | null): Seen | null {
  if (!visit?.visited_at) return null;
  return { at: visit.visited_at, alerts: new Set(visit.alert_ids), cases: new Map(visit.cases.map((c) => [c.case_id, c.status])) };
}

export function sortAlerts(alerts: AlertOut[]): AlertOut[] {
  const rank = (a: AlertOut): number => (a.status === "new" ? 0 : 1) * 2 + (a.level === "critical" ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at));
}

/** What is new or moved since the last visit; on the first visit of a session, what happened in the past week. */
export function changesSince(queue: QueueOut, seen: Seen | null): string[] {
  const changes: string[] = [];
  const weekAgo = new Date(`${queue.today}T00:00:00Z`).getTime() - 7 * 86_400_000;
  for (const alert of queue.alerts.alerts) {
    const isNew = seen ? !seen.alerts.has(alert.alert_id) : new Date(alert.created_at).getTime() >= weekAgo;
    if (isNew) changes.push(`New ${alert.level} alert for officer ${alert.officer_id} (scored as of ${formatDate(alert.as_of)}).`);
  }
  for (const c of queue.cases.cases) {
    const before = seen?.cases.get(c.case_id);
    if (seen && before === undefined) changes.push(`Case for officer ${c.officer_id} is now in your queue (${humanize(c.status).toLowerCase()}).`);
    else if (before !== undefined && before !== c.status)
      changes.push(`Case for officer ${c.officer_id} moved from ${humanize(before).toLowerCase()} to ${humanize(c.status).toLowerCase()}.`);
    else if (!seen && new Date(c.opened_at).getTime() >= weekAgo) changes.push(`Case for officer ${c.officer_id} opened ${formatDate(c.opened_at)}.`);
  }
  // What left the queue is known only when the queue came whole (a later page may still hold it).
  if (seen && !queue.alerts.next_cursor) {
    const listed = new Set(queue.alerts.alerts.map((a) => a.alert_id));
    const gone = [...seen.alerts].filter((id) => !listed.has(id)).length;
    if (gone) changes.push(`${gone === 1 ? "An alert you saw is" : `${gone} alerts you saw are`} no longer new: a case was opened or the alert was dismissed.`);
  }
  if (seen && !queue.cases.next_cursor) {
    const open = new Set(queue.cases.cases.map((c) => c.case_id));
    for (const [caseId] of seen.cases) if (!open.has(caseId)) changes.push(`A case left your queue (closed, deferred or handed on): ${caseId}.`);
  }
  return changes;
}

function caseRows(cases: CaseSummaryOut[]): HTMLElement[] {
  return cases.map((c) =>
    h("tr", { class: c.overdue ? "eis-overdue" : "" },
      h("th", { scope: "row", "data-label": "Officer" }, h("a", { class: "usa-link", href: `#/officers/${c.officer_id}` }, c.officer_id)),
      h("td", { "data-label": "Status" }, humanize(c.status)),
      h("td", { "data-label": "Review due" },
        formatDate(c.review_due_on),
        c.overdue ? [" ", h("span", { class: "usa-tag bg-secondary-dark" }, "Overdue")] : ""),
      h("td", { "data-label": "Opened" }, formatDate(c.opened_at)),
      h("td", { "data-label": "Next step" }, h("a", { class: "usa-link", href: `#/cases/${c.case_id}` }, "Work the case")),
    ),
  );
}

function alertRows(alerts: AlertOut[]): HTMLElement[] {
  return sortAlerts(alerts).map((alert) =>
    h("tr", {},
      h("th", { scope: "row", "data-label": "Officer" }, h("a", { class: "usa-link", href: `#/officers/${alert.officer_id}` }, alert.officer_id)),
      h("td", { "data-label": "Level" }, h("span", { class: `usa-tag ${alert.level === "critical" ? "bg-secondary-dark" : "bg-gold text-ink"}` }, humanize(alert.level))),
      h("td", { "data-label": "Score" }, alert.score.toFixed(2)),
      h("td", { "data-label": "Scored as of" }, formatDate(alert.as_of)),
      h("td", { "data-label": "Next step" },
        alert.case_id
          ? h("a", { class: "usa-link", href: `#/cases/${alert.case_id}` }, "Go to case")
          : h("a", { class: "usa-link", href: `#/alerts/${alert.alert_id}`, "aria-label": `Review alert for officer ${alert.officer_id}` }, "Review alert")),
    ),
  );
}

function entryList(id: string, entries: QueueEntryOut[], empty: string, action: string): HTMLElement {
  if (!entries.length) return h("p", { id }, empty);
  return h("ul", { class: "usa-list", id }, entries.map((e) =>
    h("li", {},
      h("a", { class: "usa-link", href: `#/cases/${e.case_id}` }, `${action}: officer ${e.officer_id}`),
      e.due_on ? ` · due ${formatDate(e.due_on)}` : "",
      e.detail ? ` · ${humanize(e.detail)}` : "",
    )));
}

function table(caption: string, headings: string[], rows: HTMLElement[], id: string): HTMLElement {
  return h("table", { class: "usa-table usa-table--borderless usa-table--stacked width-full", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows),
  );
}

export async function queueView(api: CaseApi, params: URLSearchParams): Promise<void> {
  // The marker is a convenience: when it cannot be read, the queue still shows, with the past week's changes.
  const [queue, visit] = await Promise.all([api.queue(), api.lastVisit().catch(() => null)]);
  const show = params.get("show") === "overdue" ? "overdue" : "all";
  const seen = seenFrom(visit);
  const changes = changesSince(queue, seen);
  const since = seen ? `since your last visit (${formatDateTime(seen.at)})` : "in the past week";
  const cases = show === "overdue" ? queue.cases.cases.filter((c) => c.overdue) : queue.cases.cases;

  const select = h("select", { class: "usa-select", id: "show", name: "show" },
    h("option", { value: "all", selected: show === "all" }, "All open cases"),
    h("option", { value: "overdue", selected: show === "overdue" }, "Overdue cases only"),
  );
  const filter = h("form", { class: "usa-form eis-no-print", id: "queue-filter", role: "search", "aria-label": "Filter the cases" },
    h("label", { class: "usa-label", for: "show" }, "Show"), select,
    h("button", { type: "submit", class: "usa-button usa-button--outline margin-top-1" }, "Apply"),
  );
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = select.value === "overdue" ? "#/queue?show=overdue" : "#/queue";
  });

  render(
    "My queue",
    h("h1", { class: "margin-top-4" }, "My queue"),
    h("p", { class: "usa-intro" }, "What needs you, soonest first. Each alert is a prompt for a supportive conversation, not a finding."),
    h("p", { id: "queue-summary", role: "status" },
      `Today is ${formatDate(queue.today)}. `,
      queue.overdue_cases ? h("strong", {}, `${queue.overdue_cases} case${queue.overdue_cases === 1 ? " is" : "s are"} overdue. `) : "No case is overdue. ",
      `${queue.alerts.count} new alert${queue.alerts.count === 1 ? "" : "s"}, ${queue.checkins_due.length} check-in${queue.checkins_due.length === 1 ? "" : "s"} due, ${queue.handoffs_to_acknowledge.length} hand-off${queue.handoffs_to_acknowledge.length === 1 ? "" : "s"} to acknowledge.`,
    ),
    h("section", { "aria-labelledby": "changes-heading", class: "usa-summary-box margin-y-3" },
      h("div", { class: "usa-summary-box__body" },
        h("h2", { class: "usa-summary-box__heading", id: "changes-heading" }, `What changed ${since}`),
        changes.length
          ? h("ul", { class: "usa-list", id: "changes" }, changes.map((c) => h("li", {}, c)))
          : h("p", { id: "changes" }, "Nothing changed."),
      ),
    ),
    h("section", { "aria-labelledby": "cases-heading" },
      h("h2", { id: "cases-heading" }, "Cases due"),
      filter,
      cases.length
        ? table(`${cases.length} open case${cases.length === 1 ? "" : "s"}, overdue first, then by review date`, ["Officer", "Status", "Review due", "Opened", "Next step"], caseRows(cases), "cases")
        : h("p", { id: "cases" }, show === "overdue" ? "No case is overdue." : "No open case."),
    ),
    h("section", { "aria-labelledby": "alerts-heading" },
      h("h2", { id: "alerts-heading" }, "New alerts"),
      queue.alerts.alerts.length
        ? table(`${queue.alerts.alerts.length} new alert${queue.alerts.alerts.length === 1 ? "" : "s"}, critical first`, ["Officer", "Level", "Score", "Scored as of", "Next step"], alertRows(queue.alerts.alerts), "alerts")
        : h("p", { id: "alerts" }, "No new alert."),
    ),
    h("section", { "aria-labelledby": "checkins-heading" },
      h("h2", { id: "checkins-heading" }, "Check-ins due"),
      entryList("checkins", queue.checkins_due, "No check-in is due.", "Record a check-in"),
    ),
    h("section", { "aria-labelledby": "handoffs-heading" },
      h("h2", { id: "handoffs-heading" }, "Hand-offs to acknowledge"),
      entryList("handoffs", queue.handoffs_to_acknowledge, "No hand-off is waiting for you.", "Acknowledge the case"),
    ),
    supervisorWellnessNotice(api),
    h("section", { "aria-labelledby": "search-heading", class: "eis-no-print margin-y-4" },
      h("h2", { id: "search-heading" }, "Find an officer"),
      officerSearchForm(""),
    ),
  );
  // Then this visit becomes the last one; a failure only means the next visit compares with an older one.
  await api
    .recordVisit({
      alert_ids: queue.alerts.alerts.map((a) => a.alert_id),
      cases: queue.cases.cases.map((c) => ({ case_id: c.case_id, status: c.status })),
    })
    .catch(() => undefined);
}
