// Pages outside a session: sign in, locked after idle time, signed out, and errors.

import { alertBox, h, render } from "../dom";
import { homeLink } from "./denied";

export function signInView(onSignIn: () => void, message?: HTMLElement): void {
  const button = h("button", { type: "button", class: "usa-button usa-button--big", id: "sign-in" }, "Sign in");
  button.addEventListener("click", onSignIn);
  render(
    "Sign in",
    h("h1", { class: "margin-top-4" }, "Sign in to the EIS portal"),
    message ?? "",
    h("p", { class: "usa-intro" }, "Use your agency account. Your session locks after 30 idle minutes; sign out when you leave a shared workstation."),
    button,
  );
}

export function lockedView(onSignIn: () => void): void {
  signInView(onSignIn, alertBox("warning", "Your session was locked.", "It was idle for 30 minutes. Sign in again to continue."));
  document.title = "Session locked · EIS portal";
}

export function signedOutView(onSignIn: () => void): void {
  signInView(onSignIn, alertBox("info", "You have signed out.", "Close the browser when you leave a shared workstation."));
  document.title = "Signed out · EIS portal";
}

export function errorView(title: string, text: string): void {
  render(title, h("h1", { class: "margin-top-4" }, title), alertBox("error", title, text), homeLink());
}
