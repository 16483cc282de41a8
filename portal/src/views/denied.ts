// A view the caller's role may not use: typed into the address bar, or refused by the API with 403.
// The roles per view match the primary navigation's data-roles in index.html; the API still decides,
// this only saves a round trip and says who may use the view instead of a generic error.

import { hasRole } from "../auth";
import { h, render } from "../dom";

/** Views behind a role, by the first part of the hash (#/command/...). */
export const VIEW_ROLES: Record<string, { name: string; roles: string[] }> = {
  oversight: { name: "the risk team's view", roles: ["risk_manager", "admin", "auditor"] },
  command: { name: "the command view", roles: ["command", "risk_manager", "admin", "auditor"] },
  reports: { name: "the reports", roles: ["risk_manager", "admin", "auditor", "command"] },
  uploads: { name: "the upload reports", roles: ["risk_manager", "admin", "auditor"] },
  audit: { name: "the audit trail", roles: ["auditor", "admin"] },
};

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
  const entry = VIEW_ROLES[view];
  return !entry || hasRole(...entry.roles);
}

export function deniedView(view: string): void {
  const entry = VIEW_ROLES[view];
  const sentence = entry
    ? `Only ${list(entry.roles.map((r) => ROLE_WORDS[r] ?? r))} may use ${entry.name}.`
    : "Your role may not see this page; ask your agency's EIS administrator if your work needs it.";
  const title = "Not available to your role";
  render(title, h("h1", { class: "margin-top-4" }, title), h("p", { class: "usa-intro", id: "denied-reason" }, sentence), h("p", {}, homeLink()));
}
