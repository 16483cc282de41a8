// Command staff's view (#/command): overdue cases by unit, and alerts raised per month with how they
// ended, from GET /reports/command. Each chart sits beside a table with the same numbers (what a screen
// reader reads and what prints); the stacked parts differ in fill pattern as well as colour, and the
// legend and table name them, so colour is never the only signal.

import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

import type { CaseApi } from "../api";
import { alertBox, dataTable, formatDate, h, humanize, render } from "../dom";
import type { AlertMonthOut, CommandOverviewOut, Disposition, UnitOverdueOut } from "../types";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const PERIODS = [6, 12, 24];
const DISPOSITIONS: Disposition[] = ["intervention_completed", "no_action_needed", "false_positive", "referred_outside_eis", "officer_separated"];

type Fill = "solid" | "stripes" | "dots" | "cross";

/** A fill with a pattern drawn over the colour, so two parts of a bar differ in more than hue. */
function patterned(colour: string, fill: Fill): CanvasPattern | string {
  if (fill === "solid") return colour;
  const tile = document.createElement("canvas");
  tile.width = tile.height = 8;
  const context = tile.getContext("2d");
  if (!context) return colour;
  context.fillStyle = colour;
  context.fillRect(0, 0, 8, 8);
  context.strokeStyle = "#ffffff";
  context.fillStyle = "#ffffff";
  context.lineWidth = 1.5;
  if (fill === "stripes") {
    context.beginPath();
    context.moveTo(0, 8);
    context.lineTo(8, 0);
    context.stroke();
  } else if (fill === "dots") {
    context.beginPath();
    context.arc(4, 4, 1.5, 0, 2 * Math.PI);
    context.fill();
  } else {
    context.beginPath();
    context.moveTo(0, 4);
    context.lineTo(8, 4);
    context.moveTo(4, 0);
    context.lineTo(4, 8);
    context.stroke();
  }
  return context.createPattern(tile, "repeat") ?? colour;
}

function figure(label: string, draw: (canvas: HTMLCanvasElement) => void, table: HTMLElement, wide = true): HTMLElement {
  const canvas = h("canvas", { role: "img", "aria-label": `${label}; the table below has the numbers` });
  queueMicrotask(() => draw(canvas)); // after the canvas is in the document, so Chart.js can size it
  return h("figure", { class: "margin-x-0 eis-print-block" }, h("div", { class: wide ? "eis-chart eis-chart--wide" : "eis-chart" }, canvas), table);
}

interface Part {
  label: string;
  colour: string;
  fill: Fill;
}

function stackedBars(canvas: HTMLCanvasElement, labels: string[], parts: Part[], values: number[][], horizontal: boolean, axis: string): void {
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: parts.map((part, i) => ({
        label: part.label,
        data: values[i] ?? [],
        backgroundColor: patterned(part.colour, part.fill),
        borderColor: "#1b1b1b",
        borderWidth: 1,
      })),
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, ...(horizontal ? { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: axis } } : {}) },
        y: { stacked: true, ...(horizontal ? {} : { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: axis } }) },
      },
    },
  });
}

const OVERDUE_PARTS: Part[] = [
  { label: "1 to 7 days overdue (plain)", colour: "#face00", fill: "solid" },
  { label: "8 to 30 days overdue (striped)", colour: "#e66f0e", fill: "stripes" },
  { label: "Over 30 days overdue (cross-hatched)", colour: "#b50909", fill: "cross" },
];

function overdueSection(units: UnitOverdueOut[]): HTMLElement {
  if (!units.length) return h("p", { id: "units-empty" }, "No open cases.");
  const overdue = units.filter((u) => u.overdue > 0);
  const rows = units.map((u) => [
    u.unit,
    String(u.open_cases),
    u.overdue ? h("span", { class: "eis-overdue" }, String(u.overdue)) : "0",
    String(u.overdue_1_to_7_days),
    String(u.overdue_8_to_30_days),
    String(u.overdue_over_30_days),
    u.most_days_overdue ? `${u.most_days_overdue} days` : "none",
  ]);
  const numbers = dataTable("units", "Open cases by unit and how far past their review date (the chart's numbers)",
    ["Unit", "Open cases", "Overdue", "1 to 7 days", "8 to 30 days", "Over 30 days", "Most overdue"], rows);
  if (!overdue.length) return h("div", {}, h("p", { id: "units-none-overdue" }, "No open case is past its review date."), numbers);
  return figure(
    "Overdue cases by unit, split by how many days past their review date",
    (canvas) => stackedBars(canvas, overdue.map((u) => u.unit), OVERDUE_PARTS,
      [overdue.map((u) => u.overdue_1_to_7_days), overdue.map((u) => u.overdue_8_to_30_days), overdue.map((u) => u.overdue_over_30_days)],
      true, "Overdue cases"),
    numbers,
    overdue.length > 6, // a few units fit the smaller chart; many need the taller one
  );
}

const OUTCOME_PARTS: Part[] = [
  { label: "Awaiting review (plain)", colour: "#005ea2", fill: "solid" },
  { label: "Dismissed (dotted)", colour: "#71767a", fill: "dots" },
  { label: "Case open (striped)", colour: "#00a398", fill: "stripes" },
  { label: "Case closed (cross-hatched)", colour: "#1a4480", fill: "cross" },
];

function monthLabel(month: string): string {
  const [year, number] = month.split("-").map(Number);
  return new Date(year ?? 1970, (number ?? 1) - 1, 1).toLocaleDateString("en-US", { month: "short", year: "numeric" });
}

function alertsSection(months: AlertMonthOut[]): HTMLElement {
  const rows = months.map((m) => [
    monthLabel(m.month),
    String(m.raised),
    String(m.awaiting_review),
    String(m.dismissed),
    String(m.case_open),
    String(m.case_closed),
    ...DISPOSITIONS.map((d) => String(m.closed_by_disposition[d] ?? 0)),
    String(m.closed_disposition_unknown),
  ]);
  const numbers = dataTable("alert-months", "Alerts raised each month and where each stands now (the chart's numbers)",
    ["Month", "Raised", "Awaiting review", "Dismissed", "Case open", "Case closed", ...DISPOSITIONS.map((d) => `Closed: ${humanize(d).replace(/^./, (c) => c.toLowerCase())}`), "Closed: not recorded"],
    rows);
  return figure(
    "Alerts raised each month, split by how they ended: awaiting review, dismissed, case open, case closed",
    (canvas) => stackedBars(canvas, months.map((m) => monthLabel(m.month)), OUTCOME_PARTS,
      [months.map((m) => m.awaiting_review), months.map((m) => m.dismissed), months.map((m) => m.case_open), months.map((m) => m.case_closed)],
      false, "Alerts raised"),
    numbers,
  );
}

function periodForm(months: number): HTMLElement {
  const select = h("select", { class: "usa-select", id: "command-months", name: "months" },
    PERIODS.map((n) => h("option", { value: String(n), selected: n === months }, `Last ${n} months`)));
  const form = h("form", { class: "usa-form eis-no-print", id: "command-period" },
    h("label", { class: "usa-label", for: "command-months" }, "Alerts over"),
    select,
    h("button", { type: "submit", class: "usa-button margin-top-1" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/command?months=${select.value}`;
  });
  return form;
}

export async function commandView(api: CaseApi, params: URLSearchParams): Promise<void> {
  const asked = Number(params.get("months") ?? "12");
  const months = PERIODS.includes(asked) ? asked : 12;
  const view: CommandOverviewOut = await api.command(months);
  render(
    "Command view",
    h("h1", { class: "margin-top-4" }, "Command view"),
    h("p", { class: "usa-intro" }, `Cases past their review date by unit, and alerts raised since ${formatDate(view.period_from)} with how they ended. Counts only, as of ${formatDate(view.today)}.`),
    view.truncated
      ? alertBox("warning", "Partial figures.", `Some listings stopped at their reading limit (${(view.truncated_listings ?? []).join(", ")}): the counts below are lower bounds.`)
      : "",
    view.deferred_hidden ? h("p", { class: "usa-hint", id: "deferred-hidden" }, "Cases and alerts deferred from the chain of command are not counted.") : "",
    h("section", { "aria-labelledby": "units-heading" }, h("h2", { id: "units-heading" }, "Overdue cases by unit"), overdueSection(view.units)),
    h("section", { "aria-labelledby": "alerts-heading" },
      h("h2", { id: "alerts-heading" }, "Alert volume and outcomes"),
      periodForm(view.months),
      alertsSection(view.alert_months),
    ),
  );
}
