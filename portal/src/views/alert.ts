// One alert: the explanation in plain language, its factors against peers, the rules it met,
// and "Open case" (or the way to the case already open).

import { ApiError, type CaseApi } from "../api";
import { hasRole } from "../auth";
import { alertBox, formatDate, h, humanize, render } from "../dom";
import { factorsFigure } from "./factors";

export async function alertView(api: CaseApi, alertId: string): Promise<void> {
  const alert = await api.alert(alertId);
  const action = alert.case_id
    ? h("a", { class: "usa-button", href: `#/cases/${alert.case_id}` }, "Go to the case")
    : alert.status === "dismissed"
      ? ""
      : h("button", { type: "button", class: "usa-button", id: "open-case" }, "Open case");
  const message = h("div", { "aria-live": "polite", id: "alert-message" });
  if (action instanceof HTMLButtonElement) {
    action.addEventListener("click", async () => {
      action.disabled = true;
      try {
        const opened = await api.openCase(alert.alert_id);
        location.hash = `#/cases/${opened.case_id}?opened=1`;
      } catch (error) {
        action.disabled = false;
        if (error instanceof ApiError && error.status === 409 && error.body?.case_id) {
          message.replaceChildren(
            alertBox("info", "A case is already open for this officer.", error.body.message),
            h("a", { class: "usa-link", href: `#/cases/${error.body.case_id}` }, "Go to the open case"),
          );
        } else {
          message.replaceChildren(alertBox("error", "The case was not opened.", (error as Error).message));
        }
      }
    });
  }
  render(
    `Alert for officer ${alert.officer_id}`,
    h("nav", { class: "usa-breadcrumb eis-no-print", "aria-label": "Breadcrumbs" },
      h("ol", { class: "usa-breadcrumb__list" },
        h("li", { class: "usa-breadcrumb__list-item" }, h("a", { class: "usa-breadcrumb__link", href: "#/queue" }, "My queue")),
        h("li", { class: "usa-breadcrumb__list-item usa-current", "aria-current": "page" }, "Alert"),
      ),
    ),
    h("h1", {}, `Alert for officer ${alert.officer_id}`),
    h("p", { class: "text-base" }, `${humanize(alert.level)} · score ${alert.score.toFixed(2)} · scored as of ${formatDate(alert.as_of)} · ${humanize(alert.status)}`),
    h(
      "section",
      { class: "usa-summary-box margin-y-3", "aria-labelledby": "why-heading" },
      h("div", { class: "usa-summary-box__body" },
        h("h2", { class: "usa-summary-box__heading", id: "why-heading" }, "A prompt for a supportive conversation, not a finding"),
        h("div", { class: "usa-summary-box__text" }, h("p", {}, alert.explanation)),
      ),
    ),
    action,
    " ",
    h("a", { class: "usa-button usa-button--outline", href: `#/officers/${alert.officer_id}` }, "Officer snapshot"),
    message,
    alert.dismissal ? alertBox("info", "Dismissed.", `${formatDate(alert.dismissal.at)} by ${humanize(alert.dismissal.by_role).toLowerCase()}: ${alert.dismissal.reason}`) : "",
    alert.status === "new" && hasRole("risk_manager", "admin") ? dismissalForm(api, alert.alert_id) : "",
    alert.factors.length ? h("section", { "aria-labelledby": "factors-heading" }, h("h2", { id: "factors-heading" }, "Compared with peers"), factorsFigure(alert.factors)) : "",
    alert.rules.length
      ? h("section", { "aria-labelledby": "rules-heading" },
          h("h2", { id: "rules-heading" }, "Rules met"),
          h("ul", { class: "usa-list" }, alert.rules.map((r) => h("li", {}, `${r.description}: ${r.value} (threshold ${r.threshold})`))),
        )
      : "",
  );
}

/** Risk team: end an alert without a case (a reason is required; it stays out of the audit log). */
function dismissalForm(api: CaseApi, alertId: string): HTMLElement {
  const reason = h("textarea", { class: "usa-textarea", id: "dismiss-reason", required: true, maxlength: 2000, "aria-describedby": "dismiss-hint" });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "usa-form maxw-tablet margin-y-4 eis-no-print", id: "dismiss-form" },
    h("fieldset", { class: "usa-fieldset" }, h("legend", { class: "usa-legend usa-legend--large" }, "Dismiss the alert (risk team)"),
      h("label", { class: "usa-label", for: "dismiss-reason" }, "Reason (required)"),
      h("span", { class: "usa-hint", id: "dismiss-hint" }, "Why no case is needed, e.g. a data error. Kept out of the audit log."),
      reason),
    error,
    h("button", { type: "submit", class: "usa-button usa-button--secondary" }, "Dismiss the alert"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.dismissAlert(alertId, reason.value.trim());
      await alertView(api, alertId);
      document.getElementById("alert-message")?.replaceChildren(alertBox("success", "Alert dismissed.", "It leaves every queue."));
    } catch (failure) {
      error.replaceChildren(alertBox("error", "The alert was not dismissed.", (failure as Error).message));
    }
  });
  return form;
}
