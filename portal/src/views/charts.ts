// The snapshot's charts. Each is drawn beside a table that holds the same numbers (the text alternative
// a screen reader reads, and what prints when the canvas does not); marks differ in shape as well as
// colour, so colour is never the only signal.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

import { h } from "../dom";
import type { IndicatorStandingOut, ScorePointOut } from "../types";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

function canvasFigure(label: string, draw: (canvas: HTMLCanvasElement) => void, size: string, ...rest: HTMLElement[]): HTMLElement {
  const canvas = h("canvas", { role: "img", "aria-label": label });
  queueMicrotask(() => draw(canvas)); // after the canvas is in the document, so Chart.js can size it
  return h("figure", { class: "margin-x-0" }, h("div", { class: `eis-chart ${size}` }, canvas), ...rest);
}

/** Each indicator on the peers' percentile scale: the middle half (25th-75th), the median (50th), the officer. */
export function standingsFigure(indicators: IndicatorStandingOut[]): HTMLElement {
  const shown = indicators.filter((i) => i.percentile !== null);
  return canvasFigure(
    "Where the officer stands among peers on each indicator, as a percentile; the table below has the numbers",
    (canvas) =>
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: shown.map((i) => i.label),
          datasets: [
            { type: "line", label: "Officer (diamond)", data: shown.map((i) => i.percentile), showLine: false, pointStyle: "rectRot", pointRadius: 8, backgroundColor: "#005ea2", borderColor: "#005ea2" },
            { type: "line", label: "Peer median (bar)", data: shown.map(() => 50), showLine: false, pointStyle: "line", pointRadius: 14, borderWidth: 3, borderColor: "#1b1b1b", backgroundColor: "#1b1b1b" },
            { type: "bar", label: "Middle half of peers (band)", data: shown.map(() => [25, 75]) as unknown as number[], backgroundColor: "#dfe1e2", borderColor: "#71767a", borderWidth: 1 }, // floating bars: from, to
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { min: 0, max: 100, title: { display: true, text: "Percentile among peers" } } },
        },
      }),
    "eis-chart--wide",
    standingsTable(indicators),
  );
}

function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function standingsTable(indicators: IndicatorStandingOut[]): HTMLElement {
  return h("table", { class: "usa-table usa-table--borderless", id: "standings" },
    h("caption", {}, "Indicators against peers (the chart's numbers)"),
    h("thead", {}, h("tr", {}, ["Indicator", "Officer", "Peer median", "Middle half of peers", "Percentile"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, indicators.map((i) => h("tr", {},
      h("th", { scope: "row" }, i.label, i.higher_is_worse ? "" : h("span", { class: "text-base" }, " (higher is better)")),
      h("td", {}, num(i.value)),
      h("td", {}, num(i.peer_median)),
      h("td", {}, i.peer_p25 === null || i.peer_p75 === null ? "n/a" : `${num(i.peer_p25)} to ${num(i.peer_p75)}`),
      h("td", {}, i.percentile === null ? "n/a" : `${Math.round(i.percentile)}th`),
    ))),
  );
}

/** The risk score at each scoring run, oldest first. */
export function trendFigure(points: ScorePointOut[]): HTMLElement {
  const table = h("table", { class: "usa-table usa-table--borderless usa-table--compact", id: "trend" },
    h("caption", {}, "Risk score at each scoring run (the chart's numbers)"),
    h("thead", {}, h("tr", {}, ["Scored as of", "Score", "Level", "Rank"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, points.map((p) => h("tr", {},
      h("th", { scope: "row" }, p.as_of),
      h("td", {}, p.score.toFixed(2)),
      h("td", {}, p.level ?? "none"),
      h("td", {}, p.rank === null ? "n/a" : `${p.rank} of ${p.officers_scored ?? "?"}`),
    ))),
  );
  return canvasFigure(
    "The officer's risk score over time; the table below has the numbers",
    (canvas) =>
      new Chart(canvas, {
        type: "line",
        data: {
          labels: points.map((p) => p.as_of),
          datasets: [{ label: "Risk score", data: points.map((p) => p.score), borderColor: "#005ea2", backgroundColor: "#005ea2", pointStyle: "circle", pointRadius: 3 }],
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, title: { display: true, text: "Risk score" } } } },
      }),
    "",
    h("details", { class: "margin-top-1" }, h("summary", {}, "Show the scores as a table"), table),
  );
}
