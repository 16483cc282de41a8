// The alert's factors: the officer's value beside the peer median, as a chart and as a table
// (the table is the chart's text alternative and what a screen reader reads).

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";

import { h } from "../dom";
import type { FactorOut } from "../types";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export function factorsFigure(factors: FactorOut[]): HTMLElement {
  const canvas = h("canvas", { role: "img", "aria-label": "Officer's value and the peer median for each factor; the table below has the numbers" });
  const table = h(
    "table",
    { class: "usa-table usa-table--borderless" },
    h("caption", {}, "Factors against peers"),
    h(
      "thead",
      {},
      h("tr", {}, ["Factor", "Officer", "Peer median", "Peer percentile", "Peer group"].map((c) => h("th", { scope: "col" }, c))),
    ),
    h(
      "tbody",
      {},
      factors.map((f) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, f.label),
          h("td", {}, formatNumber(f.officer_value)),
          h("td", {}, formatNumber(f.peer_median)),
          h("td", {}, `${Math.round(f.peer_percentile)}th`),
          h("td", {}, f.peer_group),
        ),
      ),
    ),
  );
  const figure = h("figure", { class: "margin-x-0" }, h("div", { class: "eis-chart" }, canvas), table);
  // Drawn after the canvas is in the document, so Chart.js can size it.
  queueMicrotask(() => {
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: factors.map((f) => f.label),
        datasets: [
          { label: "Officer", data: factors.map((f) => f.officer_value), backgroundColor: "#005ea2" },
          { label: "Peer median", data: factors.map((f) => f.peer_median), backgroundColor: "#a9aeb1" },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, indexAxis: "y", animation: false },
    });
  });
  return figure;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
