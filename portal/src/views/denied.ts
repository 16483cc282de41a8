// A view the caller's role may not use: typed into the address bar, or refused by the API with 403.
// Who may open a view is read from the primary navigation's data-roles in index.html, the one list the
// menu is shown by; the API still decides, this only saves a round trip and says who may use the view
// instead of a generic error.

import { hasRole } from "../auth";
import { h, render } from "../dom";

/** Views behind a role, by the first part of the hash (#/command/...), and what to call them. */
const VIEW_NAMES: Record<string, string> = {
  oversight: "the risk team's view",
  command: "the command view",
  reports: "the reports",
  uploads: "the upload reports",
  audit: "the audit trail",
};

/** The roles on the view's navigation link, or null for a view not behind a role (left to the API). */
export function viewRoles(view: string): string[] | null {
  if (!(view in VIEW_NAMES)) return null;
  const link = document.querySelector(`#primary-nav a[href="#/${view}"]`)?.closest<HTMLElement>("[data-roles]");
  return (link?.dataset["roles"] ?? "").split(",").filter(Boolean);
}

const ROLE_WORDS: Record<string, string> = {
  supervisor: "supervisors",
  risk_manager: "risk managers",
  admin: "administrators",
  auditor: "auditors",
  command: "command staff",
  wellness: "wellness staff",
};

function list(words: string[]): string {
  return words.length < 2 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** The caller's home view: the wellness list for wellness staff only, the queue for everyone else. */
export function homeLink(): HTMLAnchorElement {
  const wellnessOnly = hasRole("wellness") && !hasRole("supervisor", "risk_manager", "admin", "auditor", "command");
  return wellnessOnly
    ? h("a", { class: "usa-link", href: "#/wellness" }, "Back to wellness check-ins")
    : h("a", { class: "usa-link", href: "#/queue" }, "Back to my queue");
}

/** True when the signed-in user's roles may open the view (views not listed are left to the API). */
export function mayOpen(view: string): boolean {
  const roles = viewRoles(view);
  return roles === null || hasRole(...roles);
}

export function deniedView(view: string): void {
  const roles = viewRoles(view);
  const sentence = roles?.length
    ? `Only ${list(roles.map((r) => ROLE_WORDS[r] ?? r))} may use ${VIEW_NAMES[view]}.`
    : "Your role may not see this page; ask your agency's EIS administrator if your work needs it.";
  const title = "Not available to your role";
  render(title, h("h1", { class: "margin-top-4" }, title), h("p", { class: "usa-intro", id: "denied-reason" }, sentence), h("p", {}, homeLink()));
}
