// The one typed client of the case API. Paths are relative to the page, so the portal and the API share
// an origin (and a stage path in AWS); the id token goes in the Authorization header, as the
// Cognito authorizer expects.

import { idToken } from "./auth";
import { resolve, type PortalConfig } from "./config";
import type { AlertList, AlertOut, AlertStatus, CaseOut, ErrorOut, NoteOut, TransitionIn } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorOut | null,
  ) {
    super(body?.message ?? `The request failed (HTTP ${status}).`);
  }
}

export class SignedOutError extends Error {}

export class CaseApi {
  constructor(private readonly config: PortalConfig) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await idToken(this.config);
    if (!token) throw new SignedOutError("Your session has ended. Sign in again.");
    const response = await fetch(resolve(path), {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (response.status === 401) throw new SignedOutError("Your session has ended. Sign in again.");
    if (!response.ok) throw new ApiError(response.status, parsed as ErrorOut | null);
    return parsed as T;
  }

  alerts(status?: AlertStatus): Promise<AlertList> {
    return this.request("GET", status ? `alerts?status=${encodeURIComponent(status)}` : "alerts");
  }

  alert(alertId: string): Promise<AlertOut> {
    return this.request("GET", `alerts/${encodeURIComponent(alertId)}`);
  }

  openCase(alertId: string): Promise<CaseOut> {
    return this.request("POST", `alerts/${encodeURIComponent(alertId)}/case`);
  }

  case(caseId: string): Promise<CaseOut> {
    return this.request("GET", `cases/${encodeURIComponent(caseId)}`);
  }

  transition(caseId: string, move: TransitionIn): Promise<CaseOut> {
    return this.request("POST", `cases/${encodeURIComponent(caseId)}/transitions`, move);
  }

  addNote(caseId: string, text: string): Promise<NoteOut> {
    return this.request("POST", `cases/${encodeURIComponent(caseId)}/notes`, { text });
  }
}
