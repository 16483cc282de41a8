// The wellness coordinator's view (role `wellness`): check-ins from the wellness routes, one at a time
// with supportive wording and no score, and the acknowledgement that the coordinator has reached out.
// A supervisor whose agency opted in reads their own officers' check-ins here too; the API decides
// which (it lists only those), and only the coordinator acknowledges.

import type { CaseApi } from "../api";
import { hasRole } from "../auth";
import { alertBox, formatDate, formatDateTime, h, humanize, render } from "../dom";
import type { WellnessCheckInOut } from "../types";

const SUPPORT =
  "A check-in is an offer of support, not a finding and not a risk alert. It asks someone to reach out and ask how the officer is doing.";

function statusTag(checkin: WellnessCheckInOut): HTMLElement {
  // Text says the state; colour only repeats it.
  return h("span", { class: `usa-tag ${checkin.status === "open" ? "bg-accent-warm-dark" : "bg-base-dark"}` }, checkin.status === "open" ? "Open" : "Acknowledged");
}

export async function wellnessListView(api: CaseApi): Promise<void> {
  const list = await api.wellnessCheckIns();
  const open = list.checkins.filter((c) => c.status === "open");
  const done = list.checkins.filter((c) => c.status !== "open");
  const rows = (checkins: WellnessCheckInOut[]): HTMLElement[] =>
    checkins.map((c) =>
      h("tr", {},
        h("th", { scope: "row", "data-label": "Officer" }, h("a", { class: "usa-link", href: `#/wellness/${encodeURIComponent(c.checkin_id)}` }, `Check-in for ${c.officer_id}`)),
        h("td", { "data-label": "Noticed" }, formatDate(c.as_of)),
        h("td", { "data-label": "What was noticed" }, c.signals.map((s) => s.sentence).join(" ")),
        h("td", { "data-label": "State" }, statusTag(c)),
      ));
  const table = (id: string, caption: string, checkins: WellnessCheckInOut[]): HTMLElement =>
    checkins.length
      ? h("table", { class: "usa-table usa-table--borderless usa-table--stacked width-full", id },
          h("caption", {}, caption),
          h("thead", {}, h("tr", {}, ["Officer", "Noticed", "What was noticed", "State"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, rows(checkins)))
      : h("p", { id }, `${caption}: none.`);
  render(
    "Wellness check-ins",
    h("h1", { class: "margin-top-4" }, "Wellness check-ins"),
    h("p", { class: "usa-intro" }, SUPPORT),
    h("section", { "aria-labelledby": "open-heading" }, h("h2", { id: "open-heading" }, `Waiting for someone to reach out (${open.length})`),
      table("open-checkins", "Open check-ins, newest first", open)),
    h("section", { "aria-labelledby": "done-heading" }, h("h2", { id: "done-heading" }, `Acknowledged (${done.length})`),
      table("done-checkins", "Acknowledged check-ins, newest first", done)),
  );
}

export async function wellnessView(api: CaseApi, checkinId: string): Promise<void> {
  const checkin = await api.wellnessCheckIn(checkinId);
  const message = h("div", { id: "checkin-message", "aria-live": "polite" });
  let action: HTMLElement | string = "";
  if (checkin.status === "open" && hasRole("wellness")) {
    const button = h("button", { type: "button", class: "usa-button", id: "acknowledge-checkin" }, "I have reached out (acknowledge)");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api.acknowledgeCheckIn(checkinId);
        await wellnessView(api, checkinId);
        document.getElementById("checkin-message")?.replaceChildren(alertBox("success", "Acknowledged.", "The check-in leaves the open list."));
      } catch (failure) {
        button.disabled = false;
        message.replaceChildren(alertBox("error", "Not acknowledged.", (failure as Error).message));
      }
    });
    action = button;
  }
  render(
    "Wellness check-in",
    h("p", { class: "margin-top-4 eis-no-print" }, h("a", { class: "usa-link", href: "#/wellness" }, "All check-ins")),
    h("h1", {}, `A wellness check-in for ${checkin.officer_id}`),
    h("p", { class: "text-base" }, `Noticed in the data as of ${formatDate(checkin.as_of)} · ${humanize(checkin.status)}${checkin.acknowledged_at ? ` ${formatDateTime(checkin.acknowledged_at)}` : ""}`),
    message,
    h("section", { class: "usa-summary-box maxw-tablet", "aria-labelledby": "support-heading" },
      h("div", { class: "usa-summary-box__body" },
        h("h2", { class: "usa-summary-box__heading", id: "support-heading" }, "An offer of support, not a finding"),
        h("div", { class: "usa-summary-box__text" }, h("p", {}, checkin.message), h("p", {}, SUPPORT)))),
    h("section", { "aria-labelledby": "signals-heading" },
      h("h2", { id: "signals-heading" }, "What was noticed"),
      checkin.signals.length ? h("ul", { class: "usa-list", id: "checkin-signals" }, checkin.signals.map((s) => h("li", {}, s.sentence))) : h("p", {}, "Nothing more to say."),
    ),
    action,
  );
}

/** On a supervisor's queue: where the agency opted in and a report of theirs has a check-in, a link to it. */
export function supervisorWellnessNotice(api: CaseApi): HTMLElement | string {
  if (!hasRole("supervisor") || hasRole("wellness")) return "";
  const notice = h("div", { id: "wellness-notice" });
  api.wellnessCheckIns().then(
    (list) => {
      const open = list.checkins.filter((c) => c.status === "open").length;
      if (!list.count) return;
      notice.replaceChildren(h("section", { "aria-labelledby": "wellness-heading", class: "margin-y-4" },
        h("h2", { id: "wellness-heading" }, "Wellness check-ins for your officers"),
        h("p", {}, `${open} open, ${list.count} in all: offers of support, not findings. `,
          h("a", { class: "usa-link", href: "#/wellness" }, "Read the wellness check-ins"))));
    },
    () => undefined, // not opted in, or not for this role: nothing to show
  );
  return notice;
}
