// One case: status and dates, the hand-off to acknowledge, the moves the caller may make next (one form
// whose fields follow next_transitions), interventions (plan, start, check in, complete), notes,
// history, and for the risk team the deferral. Each action is confirmed on the page. A write refused
// with 412 (someone else changed the case since it was shown) opens the conflict screen: their change,
// and the caller's own unsent text kept, to send again on the reloaded case.

import { ApiError, ConflictError, type CaseApi } from "../api";
import { hasRole } from "../auth";
import { assignmentSection } from "./assign";
import { alertBox, formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { CaseOut, Disposition, InterventionCatalogueOut, InterventionOut, InterventionOutcome, NextTransitionOut, TransitionIn } from "../types";

const PLANNING = ["intervention_planned", "intervention_in_progress", "monitoring"];
const OUTCOMES: InterventionOutcome[] = ["completed", "partially_completed", "declined", "not_completed"];

/** What the caller typed and had not sent yet: kept through a conflict and a reload. */
export interface Draft {
  to?: string;
  reason?: string;
  disposition?: string;
  note?: string;
}

type Rerender = (message: HTMLElement, draft?: Draft) => Promise<void>;

export async function caseView(api: CaseApi, caseId: string, params: URLSearchParams, flash?: HTMLElement, draft: Draft = {}): Promise<void> {
  const current = await api.case(caseId);
  const notice = flash ?? (params.get("opened") ? alertBox("success", "Case opened.", "Start the review when you are ready.") : null);
  const rerender: Rerender = async (message, nextDraft) => caseView(api, caseId, new URLSearchParams(), message, nextDraft);
  const conflict = async (mine: Draft): Promise<void> => conflictView(api, current, mine);
  // The agency's catalogue (GET /interventions/catalogue) for the plan form and the cards' labels; a 403
  // means the role plans none (the cards then name the type by its id in words).
  const catalogue = PLANNING.includes(current.status) || current.interventions.length ? await api.interventionCatalogue().catch((failure: unknown) => failure as Error) : null;
  render(
    `Case for officer ${current.officer_id}`,
    h("nav", { class: "usa-breadcrumb eis-no-print", "aria-label": "Breadcrumbs" },
      h("ol", { class: "usa-breadcrumb__list" },
        h("li", { class: "usa-breadcrumb__list-item" }, h("a", { class: "usa-breadcrumb__link", href: "#/queue" }, "My queue")),
        h("li", { class: "usa-breadcrumb__list-item" }, h("a", { class: "usa-breadcrumb__link", href: `#/officers/${current.officer_id}` }, "Officer snapshot")),
        h("li", { class: "usa-breadcrumb__list-item usa-current", "aria-current": "page" }, "Case"),
      ),
    ),
    h("h1", {}, `Case for officer ${current.officer_id}`),
    h("div", { "aria-live": "polite", id: "case-message" }, notice ?? ""),
    summary(current),
    handoffSection(api, current, rerender),
    transitionsSection(api, current, rerender, conflict, draft),
    interventionsSection(api, current, rerender, catalogue),
    notesSection(api, current, rerender, conflict, draft),
    historySection(current),
    deferralSection(api, current, rerender),
    assignmentSection(api, current, (message) => rerender(message)),
  );
}

function summary(c: CaseOut): HTMLElement {
  const row = (term: string, value: string | Node): HTMLElement[] => [h("dt", { class: "text-bold" }, term), h("dd", { class: "margin-left-0 margin-bottom-1" }, value)];
  const deferred = c.deferral && !c.deferral.ended_at;
  return h(
    "dl",
    { class: "margin-y-2", id: "case-summary" },
    row("Status", humanize(c.status)),
    c.disposition ? row("Disposition", humanize(c.disposition)) : [],
    row("Officer", h("a", { class: "usa-link", href: `#/officers/${c.officer_id}` }, `${c.officer_id} (snapshot)`)),
    row("Opened", formatDateTime(c.opened_at)),
    row("Review due", formatDate(c.review_due_on)),
    c.monitoring_ends_on ? row("Monitoring ends", formatDate(c.monitoring_ends_on)) : [],
    row("Alerts", c.alert_ids.length.toString()),
    deferred ? row("Deferred", `until ${formatDate(c.deferral!.review_on)}${c.deferral_expired ? " (review date passed: the risk team must act)" : ""}`) : [],
  );
}

function failureText(failure: unknown): string {
  const detail = failure instanceof ApiError && failure.body?.field ? ` (${failure.body.field})` : "";
  return `${(failure as Error).message}${detail}`;
}

function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h("div", { class: "usa-form-group" },
    h("label", { class: "usa-label", for: id }, label),
    hint ? h("span", { class: "usa-hint", id: `${id}-hint` }, hint) : "",
    control,
  );
}

function handoffSection(api: CaseApi, c: CaseOut, rerender: Rerender): HTMLElement | string {
  if (!c.awaiting_acknowledgement_by) return "";
  const button = h("button", { type: "button", class: "usa-button", id: "acknowledge" }, "Acknowledge the hand-off");
  const error = h("div", { "aria-live": "assertive" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.acknowledge(c.case_id);
      await rerender(alertBox("success", "Hand-off acknowledged.", "The case is yours to work."));
    } catch (failure) {
      button.disabled = false;
      error.replaceChildren(alertBox("error", "The hand-off was not acknowledged.", failureText(failure)));
    }
  });
  const last = c.assignments?.[c.assignments.length - 1];
  return h("section", { "aria-labelledby": "handoff-heading", class: "usa-summary-box margin-y-3 eis-no-print" },
    h("div", { class: "usa-summary-box__body" },
      h("h2", { class: "usa-summary-box__heading", id: "handoff-heading" }, "This case was handed to you"),
      h("p", {}, last ? `${humanize(last.kind)} ${formatDateTime(last.at)} by ${humanize(last.by_role).toLowerCase()}. Reason: ${last.reason}` : "Acknowledge that you have taken it on."),
      button, error,
    ),
  );
}

function transitionsSection(api: CaseApi, c: CaseOut, rerender: Rerender, conflict: (d: Draft) => Promise<void>, draft: Draft): HTMLElement {
  const section = h("section", { "aria-labelledby": "move-heading", class: "margin-y-4 eis-no-print" }, h("h2", { id: "move-heading" }, "Next step"));
  if (!c.next_transitions.length) {
    section.append(h("p", {}, c.status === "closed" ? "The case is closed." : "There is no move you can make on this case."));
    return section;
  }
  const reason = h("textarea", { class: "usa-textarea", id: "move-reason", name: "reason", maxlength: 2000, "aria-describedby": "move-reason-hint" });
  reason.value = draft.reason ?? "";
  const reasonGroup = field("move-reason", "Reason", reason, "Say why, in a sentence or two. Describe the review, not third parties.");
  const disposition = h("select", { class: "usa-select", id: "move-disposition", name: "disposition" });
  const dispositionGroup = field("move-disposition", "Disposition", disposition);
  const referred = h("input", { class: "usa-input", id: "move-referred", name: "referred_to", maxlength: 200 });
  const referredGroup = field("move-referred", "Referred to", referred);
  const first = c.next_transitions.find((t) => t.to === draft.to) ?? c.next_transitions[0]!;

  const radios = c.next_transitions.map((t) =>
    h("div", { class: "usa-radio" },
      h("input", { class: "usa-radio__input", type: "radio", id: `move-${t.to}`, name: "to", value: t.to, checked: t === first, required: true }),
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
    disposition.replaceChildren(h("option", { value: "" }, "- Select -"), ...move.dispositions.map((d) => h("option", { value: d, selected: d === draft.disposition }, humanize(d))));
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
      if (failure instanceof ConflictError) return conflict({ to: move.to, reason: reason.value, disposition: disposition.value });
      error.replaceChildren(alertBox("error", "The case was not moved.", failureText(failure)));
    }
  });
  section.append(form);
  sync();
  return section;
}

/** The catalogue's label for an intervention type, or its id in words when the catalogue lacks it or could not be read. */
function typeLabel(catalogue: InterventionCatalogueOut | Error | null, type: string): string {
  const entry = catalogue && !(catalogue instanceof Error) ? catalogue.types.find((t) => t.type === type) : undefined;
  return entry?.label ?? humanize(type);
}

/** A label inside a sentence: lower-case first letter, unless it starts with an acronym ("EAP referral"). */
function inSentence(label: string): string {
  return /^[A-Z]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

function interventionCard(api: CaseApi, c: CaseOut, i: InterventionOut, rerender: Rerender, label: string): HTMLElement {
  const ended = i.outcome !== null;
  const id = i.intervention_id;
  // Buttons and forms are named after the type; two of one type on a case are told apart by their order.
  const same = c.interventions.filter((x) => x.type === i.type);
  const name = `${inSentence(label)}${same.length > 1 ? ` (${same.indexOf(i) + 1} of ${same.length})` : ""}`;
  const lines = [
    `Planned ${formatDate(i.planned_on)}, due ${formatDate(i.due_on)}`,
    i.owner ? `delivered by ${i.owner}` : null,
    i.started_on ? `started ${formatDate(i.started_on)}` : "not started",
    i.outcome ? `ended ${formatDate(i.completed_on ?? "")}: ${humanize(i.outcome).toLowerCase()}` : null,
    !ended && i.next_checkin_due_on ? `next check-in due ${formatDate(i.next_checkin_due_on)}` : null,
  ].filter(Boolean);
  const error = h("div", { "aria-live": "assertive" });
  const act = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      await rerender(alertBox("success", `${what}.`, label));
    } catch (failure) {
      error.replaceChildren(alertBox("error", `Not saved: ${what.toLowerCase()}.`, failureText(failure)));
    }
  };
  const actions: HTMLElement[] = [];
  if (!ended && !i.started_on) {
    const start = h("button", { type: "button", class: "usa-button usa-button--outline", id: `start-${id}` }, `Start ${name}`);
    start.addEventListener("click", () => void act("Intervention started", () => api.startIntervention(c.case_id, id)));
    actions.push(start);
  }
  if (!ended) {
    const note = h("textarea", { class: "usa-textarea", id: `checkin-${id}`, required: true, maxlength: 2000 });
    const checkin = h("form", { class: "usa-form maxw-tablet", "aria-label": `Check-in on ${name}` },
      field(`checkin-${id}`, "Check-in note", note, "How is it going? Describe the support, not third parties."),
      h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Record the check-in"));
    checkin.addEventListener("submit", (event) => {
      event.preventDefault();
      void act("Check-in recorded", () => api.checkIn(c.case_id, id, { note: note.value.trim() }));
    });
    const outcome = h("select", { class: "usa-select", id: `outcome-${id}`, required: true },
      h("option", { value: "" }, "- Select -"), OUTCOMES.map((o) => h("option", { value: o }, humanize(o))));
    const outcomeNotes = h("textarea", { class: "usa-textarea", id: `outcome-notes-${id}`, maxlength: 2000 });
    const complete = h("form", { class: "usa-form maxw-tablet", "aria-label": `End ${name}` },
      field(`outcome-${id}`, "Outcome", outcome),
      field(`outcome-notes-${id}`, "Outcome notes (optional)", outcomeNotes),
      h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Record the outcome"));
    complete.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { outcome: outcome.value as InterventionOutcome, ...(outcomeNotes.value.trim() ? { outcome_notes: outcomeNotes.value.trim() } : {}) };
      void act("Outcome recorded", () => api.completeIntervention(c.case_id, id, body));
    });
    actions.push(
      h("details", { class: "margin-y-1" }, h("summary", {}, "Record a check-in"), checkin),
      h("details", { class: "margin-y-1" }, h("summary", {}, "Record the outcome"), complete),
    );
  }
  return h("li", { class: "usa-card margin-bottom-2", id: `intervention-${id}` },
    h("div", { class: "usa-card__container" },
      h("div", { class: "usa-card__header" }, h("h3", { class: "usa-card__heading" }, label)),
      h("div", { class: "usa-card__body" },
        h("p", {}, lines.join(" · ")),
        i.notes ? h("p", { class: "text-pre-wrap" }, i.notes) : "",
        i.outcome_notes ? h("p", { class: "text-pre-wrap" }, `Outcome: ${i.outcome_notes}`) : "",
        i.checkins.length
          ? h("ul", { class: "usa-list", "aria-label": "Check-ins" }, i.checkins.map((k) => h("li", {}, `${formatDateTime(k.at)} · ${humanize(k.by_role)}: `, k.note)))
          : h("p", { class: "text-base" }, "No check-ins yet."),
        h("div", { class: "eis-no-print" }, actions, error),
      ),
    ),
  );
}

function interventionsSection(api: CaseApi, c: CaseOut, rerender: Rerender, catalogue: InterventionCatalogueOut | Error | null): HTMLElement {
  const canPlan = PLANNING.includes(c.status);
  const section = h("section", { "aria-labelledby": "interventions-heading", class: "margin-y-4" }, h("h2", { id: "interventions-heading" }, "Interventions"));
  section.append(
    c.interventions.length
      ? h("ul", { class: "usa-card-group", id: "interventions" }, c.interventions.map((i) => interventionCard(api, c, i, rerender, typeLabel(catalogue, i.type))))
      : h("p", { id: "interventions" }, canPlan ? "None planned yet." : "Interventions are planned once the review finds support is needed (move the case to intervention planned)."),
  );
  if (!canPlan || catalogue === null) return section;
  if (catalogue instanceof Error) {
    if (!(catalogue instanceof ApiError && catalogue.status === 403)) section.append(alertBox("error", "The intervention catalogue could not be read.", catalogue.message));
    return section;
  }
  const types = catalogue.types;
  const type = h("select", { class: "usa-select", id: "plan-type", name: "type", required: true, "aria-describedby": "plan-type-hint plan-type-description" },
    h("option", { value: "" }, "- Select -"), types.map((t) => h("option", { value: t.type }, t.label)));
  const description = h("p", { class: "usa-hint margin-top-1", id: "plan-type-description", "aria-live": "polite" });
  type.addEventListener("change", () => {
    description.textContent = types.find((t) => t.type === type.value)?.description ?? "";
  });
  const due = h("input", { class: "usa-input", id: "plan-due", name: "due_on", type: "date" });
  const notes = h("textarea", { class: "usa-textarea", id: "plan-notes", name: "notes", maxlength: 2000 });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "usa-form maxw-tablet eis-no-print", id: "plan-form" },
    h("fieldset", { class: "usa-fieldset" }, h("legend", { class: "usa-legend" }, "Plan an intervention"),
      field("plan-type", "Type", type, `Check-ins fall due every ${catalogue.checkin_days} days until it ends.`),
      description,
      field("plan-due", "Due (optional)", due, "Leave empty for the agency's default."),
      field("plan-notes", "Plan notes (optional)", notes),
    ),
    error,
    h("button", { type: "submit", class: "usa-button usa-button--outline" }, "Plan the intervention"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.planIntervention(c.case_id, {
        type: type.value,
        ...(due.value ? { due_on: due.value } : {}),
        ...(notes.value.trim() ? { notes: notes.value.trim() } : {}),
      });
      await rerender(alertBox("success", "Intervention planned.", types.find((t) => t.type === type.value)?.label ?? humanize(type.value)));
    } catch (failure) {
      error.replaceChildren(alertBox("error", "The intervention was not planned.", failureText(failure)));
    }
  });
  section.append(form);
  return section;
}

function historySection(c: CaseOut): HTMLElement {
  return h("section", { "aria-labelledby": "history-heading", class: "margin-y-4" },
    h("h2", { id: "history-heading" }, "History"),
    c.history.length
      ? h("table", { class: "usa-table usa-table--borderless usa-table--stacked", id: "history" },
          h("caption", {}, "Every move of the case, oldest first"),
          h("thead", {}, h("tr", {}, ["When", "From", "To", "By", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, c.history.map((m) => h("tr", {},
            h("th", { scope: "row", "data-label": "When" }, formatDateTime(m.at)),
            h("td", { "data-label": "From" }, humanize(m.from_status)),
            h("td", { "data-label": "To" }, humanize(m.to_status)),
            h("td", { "data-label": "By" }, humanize(m.by_role)),
            h("td", { "data-label": "Reason" }, [m.reason, m.disposition ? humanize(m.disposition) : null, m.referred_to].filter(Boolean).join(" · ")),
          ))),
        )
      : h("p", {}, "No moves yet."),
  );
}

function notesSection(api: CaseApi, c: CaseOut, rerender: Rerender, conflict: (d: Draft) => Promise<void>, draft: Draft): HTMLElement {
  const text = h("textarea", { class: "usa-textarea", id: "note-text", name: "text", required: true, maxlength: 10000, "aria-describedby": "note-hint" });
  text.value = draft.note ?? "";
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
      if (failure instanceof ConflictError) return conflict({ note: text.value });
      error.replaceChildren(alertBox("error", "The note was not added; your text is still here.", failureText(failure)));
    }
  });
  return h("section", { "aria-labelledby": "notes-heading", class: "margin-y-4" },
    h("h2", { id: "notes-heading" }, "Notes"),
    c.notes.length
      ? h("ul", { class: "usa-list usa-list--unstyled", id: "notes" }, c.notes.map((n) =>
          h("li", { class: "margin-bottom-2 border-left-05 border-primary padding-left-2" },
            h("p", { class: "margin-0 text-base-dark font-body-2xs" }, `${formatDateTime(n.created_at)} · ${humanize(n.author_role)}`),
            h("p", { class: "margin-0 text-pre-wrap" }, n.text),
          )))
      : h("p", {}, "No notes yet."),
    form,
  );
}

function deferralSection(api: CaseApi, c: CaseOut, rerender: Rerender): HTMLElement | string {
  if (!hasRole("risk_manager", "admin") || c.status === "closed") return "";
  const active = c.deferral && !c.deferral.ended_at;
  const reason = h("textarea", { class: "usa-textarea", id: "deferral-reason", required: true, maxlength: 2000 });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "usa-form maxw-tablet", id: "deferral-form" });
  const review = h("input", { class: "usa-input", id: "deferral-review", type: "date", required: true });
  if (active) {
    form.append(
      h("p", {}, `Deferred by ${c.deferral!.deferred_by} until ${formatDate(c.deferral!.review_on)}. The chain of command does not see it meanwhile.`),
      field("deferral-reason", "Why the deferral ends (required)", reason),
      error,
      h("button", { type: "submit", class: "usa-button usa-button--outline" }, "End the deferral"),
    );
  } else {
    form.append(
      h("p", {}, "Defer notification while, for example, an internal investigation runs: the officer's supervisors will not see the case until the deferral ends."),
      field("deferral-review", "Review on", review, "The risk team is reminded on this day."),
      field("deferral-reason", "Reason (required)", reason, "Kept out of the audit log; say no more than needed."),
      error,
      h("button", { type: "submit", class: "usa-button usa-button--secondary" }, "Defer the case"),
    );
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      if (active) await api.endCaseDeferral(c.case_id, reason.value.trim());
      else await api.deferCase(c.case_id, { reason: reason.value.trim(), review_on: review.value });
      await rerender(alertBox("success", active ? "Deferral ended." : "Case deferred.", active ? "The chain of command sees the case again." : `Until ${formatDate(review.value)}.`));
    } catch (failure) {
      error.replaceChildren(alertBox("error", "The deferral was not changed.", failureText(failure)));
    }
  });
  return h("section", { "aria-labelledby": "deferral-heading", class: "margin-y-4 eis-no-print" }, h("h2", { id: "deferral-heading" }, "Deferral (risk team)"), form);
}

/** 412: show what changed meanwhile and the caller's unsent text; reload keeps that text in the form. */
export async function conflictView(api: CaseApi, seen: CaseOut, mine: Draft): Promise<void> {
  api.forget(seen.case_id);
  const now = await api.case(seen.case_id);
  const seenNotes = new Set(seen.notes.map((n) => n.note_id));
  const theirs: string[] = [
    ...now.history.slice(seen.history.length).map((m) => `${formatDateTime(m.at)}: ${humanize(m.by_role)} moved the case from ${humanize(m.from_status).toLowerCase()} to ${humanize(m.to_status).toLowerCase()}.`),
    ...now.notes.filter((n) => !seenNotes.has(n.note_id)).map((n) => `${formatDateTime(n.created_at)}: ${humanize(n.author_role)} added a note: ${n.text}`),
  ];
  if (seen.status !== now.status && !theirs.length) theirs.push(`The case is now ${humanize(now.status).toLowerCase()}.`);
  if (!theirs.length) theirs.push("The case was changed (for example reassigned or deferred).");
  const unsent = [mine.to ? `Move to ${humanize(mine.to).toLowerCase()}` : null, mine.reason ? `Reason: ${mine.reason}` : null, mine.note ? `Note: ${mine.note}` : null]
    .filter(Boolean)
    .join("\n");
  const reload = h("button", { type: "button", class: "usa-button", id: "reload-case" }, "Reload the case with my text");
  reload.addEventListener("click", () => void caseView(api, seen.case_id, new URLSearchParams(), alertBox("info", "Reloaded.", "Your text is in the form; check it against the change and send it again."), mine));
  render(
    "Someone else changed this case",
    h("h1", { class: "margin-top-4" }, "Someone else changed this case"),
    alertBox("warning", "Your change was not saved.", "The case changed after you opened it, so nothing was overwritten. Read their change, then send yours again."),
    h("section", { "aria-labelledby": "theirs-heading" },
      h("h2", { id: "theirs-heading" }, "Their change"),
      h("ul", { class: "usa-list", id: "their-change" }, theirs.map((t) => h("li", {}, t))),
    ),
    h("section", { "aria-labelledby": "mine-heading" },
      h("h2", { id: "mine-heading" }, "Your change (not saved yet)"),
      h("label", { class: "usa-label", for: "my-change" }, "Your text, to copy or send again"),
      h("textarea", { class: "usa-textarea", id: "my-change", readonly: true }, unsent),
    ),
    h("p", {}, reload),
  );
}
