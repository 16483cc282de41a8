// The risk team's reports (risk managers, auditors, command, admins): the agency trends report, saved
// or opened as a document (the API needs the bearer token, so the page fetches it and hands the browser
// a blob URL), the backtests (headline table, the baselines the model does not beat, calibration by
// decile), and the upload reports with their quarantined rows as a CSV download.

import { ApiError, type CaseApi } from "../api";
import { alertBox, dataTable, formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { UploadOut } from "../types";

/** Any value from the API as plain text (numbers rounded, lists joined); never markup. */
function text(value: unknown): string {
  if (value === null || value === undefined) return "n/a";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(3);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.map(text).join(", ");
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${humanize(k).toLowerCase()}: ${text(v)}`).join("; ");
  return String(value);
}

/** Hand a fetched document to the browser: opened in a new tab or saved under a file name. */
function deliver(blob: Blob, filename: string, open: boolean): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, ...(open ? { target: "_blank", rel: "noopener" } : { download: filename }) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function documentButton(id: string, label: string, fetchIt: () => Promise<Blob>, filename: string, open: boolean, status: HTMLElement): HTMLElement {
  const button = h("button", { type: "button", class: "usa-button usa-button--outline", id }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.replaceChildren(h("p", {}, "Preparing the document…"));
    try {
      deliver(await fetchIt(), filename, open);
      status.replaceChildren(alertBox("success", "Ready.", open ? "The report opened in a new tab." : `Saved as ${filename}.`));
    } catch (failure) {
      status.replaceChildren(alertBox("error", "Not available.", (failure as Error).message));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

async function orNothing<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  }
}

export async function reportsView(api: CaseApi): Promise<void> {
  const status = h("div", { id: "report-status", "aria-live": "polite" });
  const backtests = await orNothing(() => api.backtests());
  const years = backtests?.test_years ?? [];
  render(
    "Reports",
    h("h1", { class: "margin-top-4" }, "Reports"),
    h("section", { "aria-labelledby": "trends-heading" },
      h("h2", { id: "trends-heading" }, "Agency trends"),
      h("p", {}, "Monthly force, complaints, injuries, hours and overtime by unit, shift and district, each month against the same month of earlier years; alert volume, dispositions and time to review."),
      h("div", { class: "usa-button-group" },
        documentButton("trends-open", "Open the trends report", () => api.trendsReport("html"), "eis-trends.html", true, status),
        documentButton("trends-html", "Save the trends report (HTML)", () => api.trendsReport("html"), "eis-trends.html", false, status),
        documentButton("trends-csv", "Save the trends data (CSV)", () => api.trendsReport("csv"), "eis-trends.csv", false, status),
      ),
      status,
    ),
    h("section", { "aria-labelledby": "backtests-heading" },
      h("h2", { id: "backtests-heading" }, "Backtests"),
      h("p", {}, "Each test year: the model scored as it would have been, against the agency's rule and two other baselines."),
      years.length
        ? h("ul", { class: "usa-list", id: "backtest-years" }, years.map((y) => h("li", {}, h("a", { class: "usa-link", href: `#/reports/backtests/${y}` }, `Backtest of ${y}`))))
        : h("p", { id: "backtest-years" }, backtests ? "No backtest yet." : "Backtests: not available to your role."),
    ),
  );
}

export async function backtestView(api: CaseApi, testYear: number): Promise<void> {
  const report = await api.backtest(testYear);
  render(
    `Backtest of ${report.test_year}`,
    h("p", { class: "margin-top-4 eis-no-print" }, h("a", { class: "usa-link", href: "#/reports" }, "All reports")),
    h("h1", {}, `Backtest of ${report.test_year}`),
    h("p", { class: "text-base" }, `Model ${report.trained_model_id}, scored as of ${formatDate(report.as_of)}; generated ${formatDateTime(report.generated_at)}.`),
    h("section", { "aria-labelledby": "verdict-heading" },
      h("h2", { id: "verdict-heading" }, "Against the baselines"),
      report.not_beaten.length
        ? h("ul", { class: "usa-list", id: "not-beaten" }, report.not_beaten.map((s) => h("li", {}, s)))
        : h("p", { id: "not-beaten" }, "The model beats every baseline."),
    ),
    h("section", { "aria-labelledby": "headline-heading" },
      h("h2", { id: "headline-heading" }, "Headline figures"),
      dataTable("backtest-table", `Test year ${report.test_year}`, ["Measure", "Value"],
        Object.entries(report.table).map(([key, value]) => [humanize(key), text(value)])),
    ),
    h("section", { "aria-labelledby": "calibration-heading" },
      h("h2", { id: "calibration-heading" }, "Calibration by decile"),
      report.calibration.length
        ? dataTable("calibration", "Officers in ten equal groups by score, highest first: predicted against observed", ["Decile", "Officers", "Mean predicted", "Observed rate", "Adverse events"],
            report.calibration.map((r) => [text(r["decile"]), text(r["officers"]), text(r["mean_predicted"]), text(r["observed_rate"]), text(r["adverse"])]))
        : h("p", {}, "No calibration in this report."),
    ),
    report.fairness_measurable ? "" : h("p", { class: "usa-hint" }, "Fairness could not be measured for this year (too few officers in a group)."),
  );
}

function outcome(u: UploadOut): string {
  return u.rejected ? `Rejected: ${u.rejection_reason ?? humanize(u.rejection_code ?? "unknown")}` : u.rows_quarantined ? `Accepted, ${u.rows_quarantined} rows quarantined` : "Accepted";
}

export async function uploadsView(api: CaseApi): Promise<void> {
  const list = await api.uploads();
  render(
    "Uploads",
    h("h1", { class: "margin-top-4" }, "Uploads"),
    h("p", { class: "usa-intro" }, "What ingest made of each file the agency uploaded, newest first."),
    list.uploads.length
      ? dataTable("uploads", `${list.count} uploads, newest first`, ["File", "Kind", "Finished", "Rows read", "Accepted", "Outcome"],
          list.uploads.map((u) => [
            h("a", { class: "usa-link", href: `#/uploads/${encodeURIComponent(u.upload_id)}` }, u.key),
            u.kind ? humanize(u.kind) : "unknown", formatDateTime(u.finished_at), text(u.rows_read), text(u.rows_accepted), outcome(u),
          ]))
      : h("p", { id: "uploads" }, "No uploads yet."),
  );
}

export async function uploadView(api: CaseApi, uploadId: string): Promise<void> {
  const u = await api.upload(uploadId);
  const status = h("div", { id: "quarantine-status", "aria-live": "polite" });
  const row = (term: string, value: string): HTMLElement[] => [h("dt", { class: "text-bold" }, term), h("dd", { class: "margin-left-0 margin-bottom-1" }, value)];
  render(
    `Upload ${u.key}`,
    h("p", { class: "margin-top-4 eis-no-print" }, h("a", { class: "usa-link", href: "#/uploads" }, "All uploads")),
    h("h1", {}, `Upload ${u.key}`),
    u.rejected ? alertBox("error", "Rejected.", u.rejection_reason ?? humanize(u.rejection_code ?? "unknown")) : alertBox("success", "Accepted.", `${text(u.rows_accepted)} of ${text(u.rows_read)} rows accepted${u.rows_quarantined ? `, ${text(u.rows_quarantined)} quarantined` : ""}.`),
    h("dl", { id: "upload-summary" },
      row("Kind and mode", `${u.kind ? humanize(u.kind) : "unknown"}, ${u.mode}${u.file_format ? `, ${u.file_format}` : ""}`),
      row("Started", formatDateTime(u.started_at)),
      row("Took", `${(u.duration_ms / 1000).toFixed(1)} s`),
      row("Rows", `${text(u.rows_read)} read, ${text(u.rows_accepted)} accepted, ${text(u.rows_quarantined)} quarantined`),
      row("Records", `${text(u.inserted)} new, ${text(u.replaced)} corrected, ${text(u.unchanged)} unchanged, ${text(u.retracted)} retracted`),
      u.dropped_columns.length ? row("Columns not read", u.dropped_columns.join(", ")) : [],
      row("Mapping version", text(u.mapping_version)),
    ),
    u.warnings.length ? h("section", { "aria-labelledby": "warnings-heading" }, h("h2", { id: "warnings-heading" }, "Warnings"), h("ul", { class: "usa-list" }, u.warnings.map((w) => h("li", {}, w)))) : "",
    h("section", { "aria-labelledby": "quarantine-heading" },
      h("h2", { id: "quarantine-heading" }, "Quarantined rows"),
      u.has_quarantine
        ? h("div", {},
            h("p", {}, "Line, column, value and reason for each row set aside. Personal details are masked."),
            documentButton("quarantine-csv", "Download the quarantined rows (CSV)", () => api.quarantine(u.upload_id), `quarantine-${u.upload_id}.csv`, false, status),
            status)
        : h("p", {}, "No rows were quarantined."),
    ),
  );
}
