// The one-page officer snapshot (printable) and the officer search. The snapshot leads with who the
// officer is and, where an alert is open, its explanation as "a prompt for a supportive conversation,
// not a finding"; then standings against peers and the risk trend (charts with tables), the timeline,
// past alerts and cases, commendations and training.

import type { CaseApi } from "../api";
import { formatDate, h, humanize, render } from "../dom";
import type { AlertOut, OfficerSnapshot } from "../types";
import { officerDeferralSection } from "./assign";
import { standingsFigure, trendFigure } from "./charts";

export function officerSearchForm(q: string): HTMLElement {
  const input = h("input", { class: "usa-input", id: "officer-q", name: "q", type: "search", value: q, required: true, minlength: 1, maxlength: 100 });
  const form = h("form", { class: "usa-search usa-search--small", role: "search", id: "officer-search" },
    h("label", { class: "usa-sr-only", for: "officer-q" }, "Badge or name"),
    input,
    h("button", { class: "usa-button", type: "submit" }, h("span", { class: "usa-search__submit-text" }, "Search")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) location.hash = `#/officers?q=${encodeURIComponent(input.value.trim())}`;
  });
  return h("div", {}, h("p", { class: "usa-hint", id: "officer-q-hint" }, "Search by badge number or name; you see only officers in your chain of command."), form);
}

export async function officerSearchView(api: CaseApi, q: string): Promise<void> {
  const page = q ? await api.searchOfficers(q) : { officers: [], next_cursor: null };
  render(
    "Find an officer",
    h("h1", { class: "margin-top-4" }, "Find an officer"),
    officerSearchForm(q),
    q
      ? page.officers.length
        ? h("table", { class: "usa-table usa-table--borderless usa-table--stacked width-full", id: "officer-results" },
            h("caption", {}, `${page.officers.length} officer${page.officers.length === 1 ? "" : "s"} found`),
            h("thead", {}, h("tr", {}, ["Badge", "Name", "Rank", "Unit", "Status"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, page.officers.map((o) => h("tr", {},
              h("th", { scope: "row" }, h("a", { class: "usa-link", href: `#/officers/${o.officer_id}` }, o.badge)),
              h("td", {}, o.name), h("td", {}, o.rank), h("td", {}, o.unit), h("td", {}, humanize(o.status)),
            ))),
          )
        : h("p", { role: "status" }, "No officer found in your chain of command.")
      : "",
  );
}

function facts(o: OfficerSnapshot): HTMLElement {
  const row = (term: string, value: string): HTMLElement[] => [h("dt", { class: "text-bold" }, term), h("dd", { class: "margin-left-0 margin-bottom-1" }, value)];
  return h("dl", { class: "eis-facts", id: "officer-facts" },
    row("Badge", o.badge), row("Rank", o.rank), row("Unit", o.unit),
    o.district ? row("District", o.district) : [], o.shift ? row("Shift", o.shift) : [],
    row("Status", humanize(o.status)),
    row("Supervisor", o.supervisor ? o.supervisor.name : "None on the roster"),
    row("Hired", o.hire_date && o.tenure_years !== null
      ? `${formatDate(o.hire_date)} (${o.tenure_years.toFixed(1)} years)`
      : "Not on the roster extract (tenure unknown)"),
    o.current_score
      ? row("Latest score", `${o.current_score.score.toFixed(2)}${o.current_score.level ? ` (${o.current_score.level})` : ""}` +
          (o.current_score.rank !== null ? `, rank ${o.current_score.rank} of ${o.current_score.officers_scored ?? "?"}` : "") +
          ` among ${o.current_score.peer_group} peers, as of ${formatDate(o.current_score.as_of)}`)
      : row("Latest score", "Not scored yet"),
  );
}

function section(id: string, title: string, ...content: (Node | string)[]): HTMLElement {
  return h("section", { "aria-labelledby": `${id}-heading`, class: "margin-y-4 eis-print-block" }, h("h2", { id: `${id}-heading` }, title), ...content);
}

function simpleTable(id: string, caption: string, headings: string[], rows: (Node | string)[][]): HTMLElement {
  return h("table", { class: "usa-table usa-table--borderless usa-table--compact width-full", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first ?? ""), rest.map((cell) => h("td", {}, cell))))),
  );
}

export async function officerView(api: CaseApi, officerId: string): Promise<void> {
  const o = await api.officer(officerId);
  const latest = o.alerts[0];
  let explained: AlertOut | null = null;
  if (latest && (latest.status === "new" || latest.status === "case_opened")) {
    explained = await api.alert(latest.alert_id).catch(() => null);
  }
  const openCase = o.cases.find((c) => c.status !== "closed");
  const print = h("button", { type: "button", class: "usa-button usa-button--outline eis-no-print", id: "print" }, "Print this snapshot");
  print.addEventListener("click", () => window.print());
  const months = o.timeline.filter((m) => Object.values(m.counts).some((n) => (n ?? 0) > 0)).slice(-24).reverse();

  render(
    `Officer ${o.name}`,
    h("nav", { class: "usa-breadcrumb eis-no-print", "aria-label": "Breadcrumbs" },
      h("ol", { class: "usa-breadcrumb__list" },
        h("li", { class: "usa-breadcrumb__list-item" }, h("a", { class: "usa-breadcrumb__link", href: "#/queue" }, "My queue")),
        h("li", { class: "usa-breadcrumb__list-item usa-current", "aria-current": "page" }, "Officer snapshot"),
      ),
    ),
    h("h1", { class: "margin-bottom-1" }, `${o.name}, ${o.rank}`),
    h("p", { class: "text-base margin-top-0" }, `Snapshot generated ${formatDate(o.generated_on)}. Confidential: for the officer's supervisors and the risk team.`),
    explained
      ? h("section", { class: "usa-summary-box margin-y-3", "aria-labelledby": "why-heading" },
          h("div", { class: "usa-summary-box__body" },
            h("h2", { class: "usa-summary-box__heading", id: "why-heading" }, "A prompt for a supportive conversation, not a finding"),
            h("div", { class: "usa-summary-box__text" }, h("p", { id: "explanation" }, explained.explanation)),
            h("p", { class: "eis-no-print" },
              explained.case_id
                ? h("a", { class: "usa-button", href: `#/cases/${explained.case_id}` }, "Go to the case")
                : h("a", { class: "usa-button", href: `#/alerts/${explained.alert_id}` }, "Review the alert")),
          ))
      : "",
    h("div", { class: "grid-row grid-gap" },
      h("div", { class: "tablet:grid-col-8" }, facts(o)),
      h("div", { class: "tablet:grid-col-4 eis-no-print" },
        print,
        openCase ? h("p", {}, h("a", { class: "usa-link", href: `#/cases/${openCase.case_id}` }, `Open case (${humanize(openCase.status).toLowerCase()})`)) : ""),
    ),
    section("standings", "Indicators against peers",
      h("p", { class: "usa-hint" }, "Where the officer stands among peers: the band is the middle half of peers, the bar the median, the diamond the officer."),
      o.indicators.length ? standingsFigure(o.indicators) : h("p", {}, "No scoring run has measured this officer yet.")),
    section("trend", "Risk trend", o.score_history.length ? trendFigure(o.score_history) : h("p", {}, "No scores yet.")),
    section("timeline", "Timeline",
      months.length
        ? simpleTable("timeline-table", "Events by month, newest first (months without events left out)", ["Month", "Events"],
            months.map((m) => [m.month, Object.entries(m.counts).filter(([, n]) => (n ?? 0) > 0).map(([k, n]) => `${humanize(k)}: ${n}`).join(", ")]))
        : h("p", {}, "No events in the last five years."),
      o.recent_events.length
        ? h("details", { class: "margin-top-2" }, h("summary", {}, `The latest ${o.recent_events.length} events`),
            simpleTable("events-table", "Latest events, newest first", ["Date", "Kind", "Category", "Finding"],
              o.recent_events.map((e) => [formatDate(e.date), humanize(e.kind), e.category ?? "", e.finding ?? ""])))
        : ""),
    section("history", "Alerts and cases",
      o.alerts.length
        ? simpleTable("officer-alerts", "Alerts, newest first", ["Scored as of", "Level", "Score", "Status"],
            o.alerts.map((a) => [h("a", { class: "usa-link", href: `#/alerts/${a.alert_id}` }, formatDate(a.as_of)), humanize(a.level), a.score.toFixed(2), humanize(a.status)]))
        : h("p", {}, "No alerts."),
      o.cases.length
        ? simpleTable("officer-cases", "Cases, newest first", ["Opened", "Status", "Disposition", "Closed"],
            o.cases.map((c) => [h("a", { class: "usa-link", href: `#/cases/${c.case_id}` }, formatDate(c.opened_at)), humanize(c.status), c.disposition ? humanize(c.disposition) : "", c.closed_at ? formatDate(c.closed_at) : ""]))
        : h("p", {}, "No cases."),
    ),
    section("recognition", "Commendations and training",
      o.commendations.length
        ? simpleTable("commendations", "Commendations, last five years", ["Date", "Award"], o.commendations.map((c) => [formatDate(c.date), c.award_type]))
        : h("p", {}, "No commendations in the last five years."),
      o.training.length
        ? simpleTable("training", "Training, last five years", ["Date", "Course", "Hours", "Result"], o.training.map((t) => [formatDate(t.date), t.course, String(t.hours), t.passed ? "Passed" : "Not passed"]))
        : h("p", {}, "No training in the last five years."),
    ),
    officerDeferralSection(api, o.officer_id),
  );
}
