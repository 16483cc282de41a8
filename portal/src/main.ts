// Boot: load config, finish a sign-in on return from the authorize endpoint, then route by hash
// (#/queue, #/alerts/{id}, #/cases/{id}); the server only ever serves index.html and assets.

import { ApiError, CaseApi, SignedOutError } from "./api";
import { beginSignIn, completeSignIn, current, hasRole, signOut, watchIdle } from "./auth";
import { loadConfig, type PortalConfig } from "./config";
import { alertBox } from "./dom";
import { alertView } from "./views/alert";
import { caseView } from "./views/case";
import { deniedView, mayOpen } from "./views/denied";
import { commandView } from "./views/command";
import { officerSearchView, officerView } from "./views/officers";
import { auditView, oversightView } from "./views/oversight";
import { queueView } from "./views/queue";
import { backtestView, reportsView, uploadsView, uploadView } from "./views/reports";
import { wellnessListView, wellnessView } from "./views/wellness";
import { errorView, lockedView, signedOutView, signInView } from "./views/session";

let config: PortalConfig;
let api: CaseApi;
let stopIdle: (() => void) | null = null;

function signIn(): void {
  void beginSignIn(config, location.hash || "#/queue");
}

function showNav(signedIn: boolean): void {
  const nav = document.getElementById("primary-nav");
  if (nav) nav.hidden = !signedIn;
  for (const link of document.querySelectorAll<HTMLElement>("[data-roles]")) {
    link.hidden = !signedIn || !hasRole(...(link.dataset["roles"] ?? "").split(","));
  }
  const who = document.getElementById("signed-in-as");
  if (who) who.textContent = signedIn ? `Signed in as ${current()?.username ?? ""}` : "";
}

async function route(): Promise<void> {
  if (!current()) {
    showNav(false);
    signInView(signIn);
    return;
  }
  showNav(true);
  const [path = "", query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const view = parts[0] ?? "";
  if (!mayOpen(view)) {
    deniedView(view);
    return;
  }
  try {
    if (parts[0] === "alerts" && parts[1]) await alertView(api, parts[1]);
    else if (parts[0] === "cases" && parts[1]) await caseView(api, parts[1], params);
    else if (parts[0] === "officers" && parts[1]) await officerView(api, parts[1]);
    else if (parts[0] === "officers") await officerSearchView(api, params.get("q") ?? "");
    else if (parts[0] === "oversight") await oversightView(api);
    else if (parts[0] === "audit") await auditView(api, params);
    else if (parts[0] === "command") await commandView(api, params);
    else if (parts[0] === "wellness" && parts[1]) await wellnessView(api, parts[1]);
    else if (parts[0] === "wellness") await wellnessListView(api);
    else if (parts[0] === "reports" && parts[1] === "backtests" && parts[2]) await backtestView(api, Number(parts[2]));
    else if (parts[0] === "reports") await reportsView(api);
    else if (parts[0] === "uploads" && parts[1]) await uploadView(api, parts[1]);
    else if (parts[0] === "uploads") await uploadsView(api);
    else if (hasRole("wellness") && !hasRole("supervisor", "risk_manager", "admin", "auditor", "command")) await wellnessListView(api);
    else await queueView(api, params);
  } catch (error) {
    if (error instanceof SignedOutError) {
      showNav(false);
      signInView(signIn, alertBox("warning", "Your session has ended.", error.message));
    } else if (error instanceof ApiError && error.status === 404) {
      errorView("Not found", "There is nothing here that you may see.");
    } else if (error instanceof ApiError && error.status === 403) {
      deniedView(view);
    } else {
      errorView("Something went wrong", (error as Error).message);
    }
  }
}

async function boot(): Promise<void> {
  config = await loadConfig();
  api = new CaseApi(config);
  document.getElementById("sign-out")?.addEventListener("click", async () => {
    stopIdle?.();
    await signOut(config);
    showNav(false);
    history.replaceState(null, "", location.pathname);
    if (config.logoutUrl) {
      // Cognito's hosted sign-in keeps a session of its own; /logout ends it and comes back here.
      const back = `${location.origin}${location.pathname}`;
      location.assign(`${config.logoutUrl}?client_id=${encodeURIComponent(config.clientId)}&logout_uri=${encodeURIComponent(back)}`);
      return;
    }
    signedOutView(signIn);
  });
  try {
    const returnTo = await completeSignIn(config);
    if (returnTo) {
      stopIdle = watchIdle(config.idleMinutes, async () => {
        await signOut(config);
        showNav(false);
        lockedView(signIn);
      });
      if (location.hash !== returnTo) {
        location.hash = returnTo; // routes through hashchange
        return;
      }
    }
  } catch (error) {
    signInView(signIn, alertBox("error", "Sign-in failed.", (error as Error).message));
    return;
  }
  await route();
}

window.addEventListener("hashchange", () => void route());
document.addEventListener("DOMContentLoaded", () => void boot());
