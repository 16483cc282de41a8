// One alert: the explanation in plain language, its factors against peers, the rules it met,
// and "Open case" (or the way to the case already open).

import { ApiError, type CaseApi } from "../api";
import { alertBox, formatDate, h, humanize, render } from "../dom";
import { factorsFigure } from "./factors";

export async function alertView(api: CaseApi, alertId: string): Promise<void> {
  const alert = await api.alert(alertId);
  const action = alert.case_id
    ? h("a", { class: "usa-button", href: `#/cases/${alert.case_id}` }, "Go to the case")
    : h("button", { type: "button", class: "usa-button", id: "open-case" }, "Open case");
  const message = h("div", { "aria-live": "polite" });
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
    message,
    alert.factors.length ? h("section", { "aria-labelledby": "factors-heading" }, h("h2", { id: "factors-heading" }, "Compared with peers"), factorsFigure(alert.factors)) : "",
    alert.rules.length
      ? h("section", { "aria-labelledby": "rules-heading" },
          h("h2", { id: "rules-heading" }, "Rules met"),
          h("ul", { class: "usa-list" }, alert.rules.map((r) => h("li", {}, `${r.description}: ${r.value} (threshold ${r.threshold})`))),
        )
      : "",
  );
}
