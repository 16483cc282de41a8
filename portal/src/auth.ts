// OAuth 2.0 authorization code with PKCE (RFC 7636) against the user pool's hosted endpoints.
// Tokens live in this module's memory only: never localStorage or sessionStorage, gone on reload.
// Only the one-time PKCE verifier and state cross the redirect, in sessionStorage, removed on return.

import type { PortalConfig } from "./config";

const PENDING_KEY = "eis.pkce";

export interface Session {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  username: string;
  groups: string[];
}

interface TokenResponse {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: string;
}

interface Pending {
  verifier: string;
  state: string;
  returnTo: string;
}

let session: Session | null = null;

export function current(): Session | null {
  return session;
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

function claimsOf(idToken: string): Record<string, unknown> {
  const payload = idToken.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(json) as Record<string, unknown>;
}

function toSession(tokens: TokenResponse, previousRefresh: string | null = null): Session {
  const claims = claimsOf(tokens.id_token);
  const groups = claims["cognito:groups"];
  return {
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? previousRefresh,
    expiresAt: Date.now() + tokens.expires_in * 1000,
    username: String(claims["cognito:username"] ?? claims["email"] ?? claims["sub"] ?? ""),
    groups: Array.isArray(groups) ? groups.map(String) : [],
  };
}

/** Leave for the authorize endpoint; the user comes back to this page with ?code=...&state=... */
export async function beginSignIn(config: PortalConfig, returnTo: string): Promise<void> {
  const pending: Pending = { verifier: randomString(48), state: randomString(16), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: "openid email profile",
    state: pending.state,
    code_challenge: await challengeFor(pending.verifier),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

async function postForm(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    cache: "no-store",
    credentials: "omit",
  });
}

/** On return from the authorize endpoint: trade the code and verifier for tokens. Returns the hash to show. */
export async function completeSignIn(config: PortalConfig): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return null;
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, "", redirectUri());
  if (error) throw new Error(`Sign-in was refused: ${error}`);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  if (!pending || pending.state !== params.get("state")) {
    throw new Error("This sign-in did not start here (the state does not match). Sign in again.");
  }
  const response = await postForm(config.tokenUrl, {
    grant_type: "authorization_code",
    client_id: config.clientId,
    code: code ?? "",
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  if (!response.ok) throw new Error(`The sign-in could not be completed (HTTP ${response.status}). Sign in again.`);
  session = toSession((await response.json()) as TokenResponse);
  return pending.returnTo || "#/queue";
}

/** A fresh id token, refreshed with the refresh token a minute before it expires. */
export async function idToken(config: PortalConfig): Promise<string | null> {
  if (!session) return null;
  if (Date.now() < session.expiresAt - 60_000) return session.idToken;
  if (!session.refreshToken) return null;
  const response = await postForm(config.tokenUrl, {
    grant_type: "refresh_token",
    client_id: config.clientId,
    refresh_token: session.refreshToken,
  });
  if (!response.ok) {
    session = null;
    return null;
  }
  session = toSession((await response.json()) as TokenResponse, session.refreshToken);
  return session.idToken;
}

/** Forget the tokens and revoke the refresh token at the pool. */
export async function signOut(config: PortalConfig): Promise<void> {
  const refresh = session?.refreshToken;
  session = null;
  if (refresh) {
    try {
      await postForm(config.revokeUrl, { token: refresh, client_id: config.clientId });
    } catch {
      // The tokens are gone from memory either way; a failed revoke leaves a refresh token that expires.
    }
  }
}

/** Calls onIdle once after `minutes` without a key press, pointer or scroll. */
export function watchIdle(minutes: number, onIdle: () => void): () => void {
  let last = Date.now();
  const touch = (): void => {
    last = Date.now();
  };
  const events = ["keydown", "pointerdown", "wheel", "touchstart"] as const;
  for (const name of events) window.addEventListener(name, touch, { passive: true });
  const timer = window.setInterval(() => {
    if (Date.now() - last >= minutes * 60_000) {
      stop();
      onIdle();
    }
  }, 5_000);
  const stop = (): void => {
    window.clearInterval(timer);
    for (const name of events) window.removeEventListener(name, touch);
  };
  return stop;
}

/** The signed-in user's roles (the pool's groups); the API decides, this only chooses what to offer. */
export function hasRole(...roles: string[]): boolean {
  return roles.some((role) => session?.groups.includes(role) ?? false);
}
