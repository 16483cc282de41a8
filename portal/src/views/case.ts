// One case: status and dates, its history, the moves the caller may make next (as one form whose
// fields follow next_transitions), and notes. Interventions and check-ins slot in as sections here.

import { ApiError, type CaseApi } from "../api";
import { alertBox, formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { CaseOut, Disposition, NextTransitionOut, TransitionIn } from "../types";

export async function caseView(api: CaseApi, caseId: string, params: URLSearchParams, flash?: HTMLElement): Promise<void> {
  const current = await api.case(caseId);
  const notice = flash ?? (params.get("opened") ? alertBox("success", "Case opened.", "Start the review when you are ready.") : null);
  const rerender = async (message: HTMLElement): Promise<void> => caseView(api, caseId, new URLSearchParams(), message);
  render(
    `Case for officer ${current.officer_id}`,
    h("nav", { class: "usa-breadcrumb eis-no-print", "aria-label": "Breadcrumbs" },
      h("ol", { class: "usa-breadcrumb__list" },
        h("li", { class: "usa-breadcrumb__list-item" }, h("a", { class: "usa-breadcrumb__link", href: "#/queue" }, "My queue")),
        h("li", { class: "usa-breadcrumb__list-item usa-current", "aria-current": "page" }, "Case"),
      ),
    ),
    h("h1", {}, `Case for officer ${current.officer_id}`),
    h("div", { "aria-live": "polite", id: "case-message" }, notice ?? ""),
    summary(current),
    transitionsSection(api, current, rerender),
    historySection(current),
    notesSection(api, current, rerender),
  );
}

function summary(c: CaseOut): HTMLElement {
  const row = (term: string, value: string): HTMLElement[] => [h("dt", { class: "text-bold" }, term), h("dd", { class: "margin-left-0 margin-bottom-1" }, value)];
  return h(
    "dl",
    { class: "margin-y-2", id: "case-summary" },
    row("Status", humanize(c.status)),
    c.disposition ? row("Disposition", humanize(c.disposition)) : [],
    row("Opened", `${formatDateTime(c.opened_at)}`),
    row("Review due", formatDate(c.review_due_on)),
    row("Alerts", c.alert_ids.length.toString()),
  );
}

function transitionsSection(api: CaseApi, c: CaseOut, rerender: (m: HTMLElement) => Promise<void>): HTMLElement {
  const section = h("section", { "aria-labelledby": "move-heading", class: "margin-y-4 eis-no-print" }, h("h2", { id: "move-heading" }, "Next step"));
  if (!c.next_transitions.length) {
    section.append(h("p", {}, "There is no move you can make on this case."));
    return section;
  }
  const reason = h("textarea", { class: "usa-textarea", id: "move-reason", name: "reason", maxlength: 2000, "aria-describedby": "move-reason-hint" });
  const reasonGroup = h("div", { class: "usa-form-group" },
    h("label", { class: "usa-label", for: "move-reason" }, "Reason"),
    h("span", { class: "usa-hint", id: "move-reason-hint" }, "Say why, in a sentence or two. Describe the review, not third parties."),
    reason,
  );
  const disposition = h("select", { class: "usa-select", id: "move-disposition", name: "disposition" });
  const dispositionGroup = h("div", { class: "usa-form-group" }, h("label", { class: "usa-label", for: "move-disposition" }, "Disposition"), disposition);
  const referred = h("input", { class: "usa-input", id: "move-referred", name: "referred_to", maxlength: 200 });
  const referredGroup = h("div", { class: "usa-form-group" }, h("label", { class: "usa-label", for: "move-referred" }, "Referred to"), referred);

  const radios = c.next_transitions.map((t, index) =>
    h("div", { class: "usa-radio" },
      h("input", { class: "usa-radio__input", type: "radio", id: `move-${t.to}`, name: "to", value: t.to, checked: index === 0, required: true }),
      h("label", { class: "usa-radio__label", for: `move-${t.to}` }, humanize(t.to),
        h("span", { class: "usa-checkbox__label-description" }, t.description)),
    ),
  );
  const chosen = (): NextTransitionOut => {
    const value = (section.querySelector("input[name=to]:checked") as HTMLInputElement | null)?.value;
    return c.next_transitions.find((t) => t.to === value) ?? c.next_transitions[0]!;
  };
  const sync = (): void => {
    const move = chosen();
    const needsReason = move.requires.includes("reason");
    reason.required = needsReason;
    reasonGroup.querySelector("label")!.textContent = needsReason ? "Reason (required)" : "Reason (optional)";
    dispositionGroup.hidden = move.dispositions.length === 0;
    disposition.required = move.dispositions.length > 0;
    disposition.replaceChildren(h("option", { value: "" }, "- Select -"), ...move.dispositions.map((d) => h("option", { value: d }, humanize(d))));
    referredGroup.hidden = !move.requires.includes("referred_to");
    referred.required = !referredGroup.hidden;
  };
  const error = h("div", { "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "usa-button" }, "Move the case");
  const form = h("form", { class: "usa-form maxw-tablet", id: "move-form" },
    h("fieldset", { class: "usa-fieldset" }, h("legend", { class: "usa-legend" }, "Move the case to"), radios),
    reasonGroup, dispositionGroup, referredGroup, error, submit,
  );
  form.addEventListener("change", (event) => {
    if ((event.target as HTMLInputElement).name === "to") sync();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const move = chosen();
    const body: TransitionIn = { to: move.to };
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (!dispositionGroup.hidden && disposition.value) body.disposition = disposition.value as Disposition;
    if (!referredGroup.hidden && referred.value.trim()) body.referred_to = referred.value.trim();
    submit.disabled = true;
    try {
      const moved = await api.transition(c.case_id, body);
      await rerender(alertBox("success", "Case moved.", `It is now ${humanize(moved.status).toLowerCase()}.`));
    } catch (failure) {
      submit.disabled = false;
      const detail = failure instanceof ApiError && failure.body?.field ? ` (${failure.body.field})` : "";
      error.replaceChildren(alertBox("error", "The case was not moved.", `${(failure as Error).message}${detail}`));
    }
  });
  section.append(form);
  sync();
  return section;
}

function historySection(c: CaseOut): HTMLElement {
  return h("section", { "aria-labelledby": "history-heading", class: "margin-y-4" },
    h("h2", { id: "history-heading" }, "History"),
    c.history.length
      ? h("table", { class: "usa-table usa-table--borderless usa-table--stacked" },
          h("caption", {}, "Every move of the case, oldest first"),
          h("thead", {}, h("tr", {}, ["When", "From", "To", "By", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, c.history.map((m) => h("tr", {},
            h("th", { scope: "row" }, formatDateTime(m.at)),
            h("td", {}, humanize(m.from_status)),
            h("td", {}, humanize(m.to_status)),
            h("td", {}, humanize(m.by_role)),
            h("td", {}, [m.reason, m.disposition ? humanize(m.disposition) : null, m.referred_to].filter(Boolean).join(" · ")),
          ))),
        )
      : h("p", {}, "No moves yet."),
  );
}

function notesSection(api: CaseApi, c: CaseOut, rerender: (m: HTMLElement) => Promise<void>): HTMLElement {
  const text = h("textarea", { class: "usa-textarea", id: "note-text", name: "text", required: true, maxlength: 10000, "aria-describedby": "note-hint" });
  const error = h("div", { "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Add note");
  const form = h("form", { class: "usa-form maxw-tablet eis-no-print", id: "note-form" },
    h("label", { class: "usa-label", for: "note-text" }, "New note"),
    h("span", { class: "usa-hint", id: "note-hint" }, "Describe the review and the support offered, not third parties."),
    text, error, submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    submit.disabled = true;
    try {
      await api.addNote(c.case_id, text.value.trim());
      await rerender(alertBox("success", "Note added.", ""));
    } catch (failure) {
      submit.disabled = false;
      error.replaceChildren(alertBox("error", "The note was not added; your text is still here.", (failure as Error).message));
    }
  });
  return h("section", { "aria-labelledby": "notes-heading", class: "margin-y-4" },
    h("h2", { id: "notes-heading" }, "Notes"),
    c.notes.length
      ? h("ul", { class: "usa-list usa-list--unstyled", id: "notes" }, c.notes.map((n) =>
          h("li", { class: "margin-bottom-2 border-left-05 border-primary padding-left-2" },
            h("p", { class: "margin-0 text-base font-body-2xs" }, `${formatDateTime(n.created_at)} · ${humanize(n.author_role)}`),
            h("p", { class: "margin-0 text-pre-wrap" }, n.text),
          )))
      : h("p", {}, "No notes yet."),
    form,
  );
}
