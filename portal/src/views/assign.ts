// Forms for handing a case to a supervisor (risk managers and admins to any active supervisor; a
// supervisor to one below them) and for deferring notification about an officer (risk managers and
// admins). Reasons are sent with the request and kept on the record, never in the audit log.

import { ApiError, type CaseApi } from "../api";
import { hasRole } from "../auth";
import { alertBox, formatDate, h } from "../dom";
import type { CaseOut, DeferralOut } from "../types";

function failureText(failure: unknown): string {
  const detail = failure instanceof ApiError && failure.body?.field ? ` (${failure.body.field})` : "";
  return `${(failure as Error).message}${detail}`;
}

function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h("div", { class: "usa-form-group" },
    h("label", { class: "usa-label", for: id }, label),
    hint ? h("span", { class: "usa-hint", id: `${id}-hint` }, hint) : "",
    control,
  );
}

/** The assignment form on a case; `done` re-renders the case with a confirmation. */
export function assignmentSection(api: CaseApi, c: CaseOut, done: (message: HTMLElement) => Promise<void>): HTMLElement | string {
  if (c.status === "closed" || !hasRole("risk_manager", "admin", "supervisor")) return "";
  const supervisor = h("input", { class: "usa-input", id: "assign-supervisor", name: "supervisor_id", required: true, maxlength: 64, autocomplete: "off" });
  const reason = h("textarea", { class: "usa-textarea", id: "assign-reason", name: "reason", required: true, maxlength: 2000 });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "usa-form maxw-tablet", id: "assignment-form" },
    h("p", {}, c.supervisor_id ? `With supervisor ${c.supervisor_id}.` : "Not assigned to a supervisor."),
    field("assign-supervisor", "Hand to supervisor (officer id)", supervisor, "An active supervisor on the roster; a supervisor may hand a case only to someone below them."),
    field("assign-reason", "Reason (required)", reason, "Kept on the case, not in the audit log."),
    error,
    h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Hand over the case"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await api.assign(c.case_id, { supervisor_id: supervisor.value.trim(), reason: reason.value.trim() });
      await done(alertBox("success", "Case handed over.", `Supervisor ${updated.supervisor_id ?? supervisor.value.trim()} is asked to acknowledge it.`));
    } catch (failure) {
      error.replaceChildren(alertBox("error", "The case was not handed over.", failureText(failure)));
    }
  });
  return h("section", { "aria-labelledby": "assignment-heading", class: "margin-y-4 eis-no-print" }, h("h2", { id: "assignment-heading" }, "Assignment"), form);
}

/** Risk team: defer notification about an officer, or end the deferral. Loads after the snapshot. */
export function officerDeferralSection(api: CaseApi, officerId: string): HTMLElement | string {
  if (!hasRole("risk_manager", "admin")) return "";
  const body = h("div", { id: "officer-deferral" }, h("p", {}, "Loading…"));
  const section = h("section", { "aria-labelledby": "officer-deferral-heading", class: "margin-y-4 eis-no-print" },
    h("h2", { id: "officer-deferral-heading" }, "Deferral (risk team)"), body);
  const show = async (flash?: HTMLElement): Promise<void> => {
    let current: DeferralOut | null = null;
    try {
      current = await api.officerDeferral(officerId);
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 404)) {
        body.replaceChildren(alertBox("error", "The deferral could not be read.", failureText(failure)));
        return;
      }
    }
    const active = current !== null && !current.ended_at;
    const reason = h("textarea", { class: "usa-textarea", id: "officer-deferral-reason", required: true, maxlength: 2000 });
    const review = h("input", { class: "usa-input", id: "officer-deferral-review", type: "date", required: true });
    const error = h("div", { "aria-live": "assertive" });
    const form = h("form", { class: "usa-form maxw-tablet", id: "officer-deferral-form" });
    if (active) {
      form.append(
        h("p", {}, `Deferred by ${current!.deferred_by} until ${formatDate(current!.review_on)}${current!.expired ? " (review date passed)" : ""}. The officer's supervisors are not notified meanwhile.`),
        field("officer-deferral-reason", "Why the deferral ends (required)", reason),
        error,
        h("button", { type: "submit", class: "usa-button usa-button--outline" }, "End the deferral"),
      );
    } else {
      form.append(
        h("p", {}, "Defer notification about this officer while, for example, an investigation runs: new alerts do not reach their supervisors until it ends."),
        field("officer-deferral-review", "Review on", review, "The risk team is reminded on this day."),
        field("officer-deferral-reason", "Reason (required)", reason, "Kept out of the audit log; say no more than needed."),
        error,
        h("button", { type: "submit", class: "usa-button usa-button--secondary" }, "Defer the officer"),
      );
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        if (active) await api.endOfficerDeferral(officerId, reason.value.trim());
        else await api.deferOfficer(officerId, { reason: reason.value.trim(), review_on: review.value });
        await show(alertBox("success", active ? "Deferral ended." : "Officer deferred.", active ? "Supervisors are notified again." : `Until ${formatDate(review.value)}.`));
      } catch (failure) {
        error.replaceChildren(alertBox("error", "The deferral was not changed.", failureText(failure)));
      }
    });
    body.replaceChildren(h("div", { "aria-live": "polite", id: "officer-deferral-message" }, flash ?? ""), form);
  };
  void show();
  return section;
}
