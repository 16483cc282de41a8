// The one typed client of the case API. Paths are relative to the page, so the portal and the API share
// an origin (and a stage path in AWS); the id token goes in the Authorization header, as the
// Cognito authorizer expects. A case's writes carry If-Match with the ETag of the version the page
// showed, so a change made meanwhile by someone else answers 412 instead of being overwritten.

import { idToken } from "./auth";
import { resolve, type PortalConfig } from "./config";
import type {
  AlertList,
  AlertOut,
  AlertStatus,
  AssignmentIn,
  AuditPage,
  BacktestListOut,
  BacktestReportOut,
  CaseOut,
  CheckInIn,
  CommandOverviewOut,
  DeferralIn,
  DeferralList,
  DeferralOut,
  ErrorOut,
  InterventionCompletionIn,
  InterventionIn,
  InterventionOut,
  ModelCardOut,
  NoteOut,
  OfficerPage,
  OfficerSnapshot,
  QueueOut,
  RunListOut,
  RunReportOut,
  TransitionIn,
  UploadList,
  UploadOut,
  WellnessCheckInList,
  WellnessCheckInOut,
} from "./types";
import type { InterventionCatalogueOut, LastVisitIn, LastVisitOut } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorOut | null,
  ) {
    super(body?.message ?? `The request failed (HTTP ${status}).`);
  }
}

/** 412: the case changed since the page read it. */
export class ConflictError extends ApiError {}

export class SignedOutError extends Error {}

const enc = encodeURIComponent;

export class CaseApi {
  /** The ETag of each case as last read, sent back as If-Match on that case's writes. */
  private readonly etags = new Map<string, string>();
  private catalogue: Promise<InterventionCatalogueOut> | undefined;

  constructor(private readonly config: PortalConfig) {}

  private async request<T>(method: string, path: string, body?: unknown, caseId?: string): Promise<T> {
    const token = await idToken(this.config);
    if (!token) throw new SignedOutError("Your session has ended. Sign in again.");
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const etag = caseId ? this.etags.get(caseId) : undefined;
    if (method !== "GET" && etag) headers["If-Match"] = etag;
    const response = await fetch(resolve(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (response.status === 401) throw new SignedOutError("Your session has ended. Sign in again.");
    if (response.status === 412) throw new ConflictError(412, parsed as ErrorOut | null);
    if (!response.ok) throw new ApiError(response.status, parsed as ErrorOut | null);
    const returned = response.headers.get("ETag");
    if (caseId && returned && (method === "GET" || path.endsWith("/transitions"))) this.etags.set(caseId, returned);
    return parsed as T;
  }

  /** Forget what this page read of a case (after a conflict, the next read is the new version). */
  forget(caseId: string): void {
    this.etags.delete(caseId);
  }

  queue(): Promise<QueueOut> {
    return this.request("GET", "queue?limit=100");
  }

  /** The caller's last recorded visit to their queue (kept on the server: it survives the session). */
  lastVisit(): Promise<LastVisitOut> {
    return this.request("GET", "me/last-visit");
  }

  recordVisit(seen: LastVisitIn): Promise<LastVisitOut> {
    return this.request("PUT", "me/last-visit", seen);
  }

  /** The agency's intervention types, exactly those planning accepts; read once per page load. */
  interventionCatalogue(): Promise<InterventionCatalogueOut> {
    this.catalogue ??= this.request<InterventionCatalogueOut>("GET", "interventions/catalogue").catch((error: unknown) => {
      this.catalogue = undefined; // a failed read is tried again next time
      throw error;
    });
    return this.catalogue;
  }

  alerts(status?: AlertStatus): Promise<AlertList> {
    return this.request("GET", status ? `alerts?status=${enc(status)}` : "alerts");
  }

  alert(alertId: string): Promise<AlertOut> {
    return this.request("GET", `alerts/${enc(alertId)}`);
  }

  openCase(alertId: string): Promise<CaseOut> {
    return this.request("POST", `alerts/${enc(alertId)}/case`);
  }

  dismissAlert(alertId: string, reason: string): Promise<AlertOut> {
    return this.request("POST", `alerts/${enc(alertId)}/dismissal`, { reason });
  }

  case(caseId: string): Promise<CaseOut> {
    return this.request("GET", `cases/${enc(caseId)}`, undefined, caseId);
  }

  transition(caseId: string, move: TransitionIn): Promise<CaseOut> {
    return this.request("POST", `cases/${enc(caseId)}/transitions`, move, caseId);
  }

  addNote(caseId: string, text: string): Promise<NoteOut> {
    return this.request("POST", `cases/${enc(caseId)}/notes`, { text }, caseId);
  }

  acknowledge(caseId: string): Promise<CaseOut> {
    return this.request("POST", `cases/${enc(caseId)}/acknowledgement`, undefined, caseId);
  }

  deferCase(caseId: string, deferral: DeferralIn): Promise<CaseOut> {
    return this.request("POST", `cases/${enc(caseId)}/deferral`, deferral, caseId);
  }

  endCaseDeferral(caseId: string, reason: string): Promise<CaseOut> {
    return this.request("POST", `cases/${enc(caseId)}/deferral/end`, { reason }, caseId);
  }

  planIntervention(caseId: string, plan: InterventionIn): Promise<InterventionOut> {
    return this.request("POST", `cases/${enc(caseId)}/interventions`, plan, caseId);
  }

  startIntervention(caseId: string, interventionId: string): Promise<InterventionOut> {
    return this.request("POST", `cases/${enc(caseId)}/interventions/${enc(interventionId)}/start`, {}, caseId);
  }

  checkIn(caseId: string, interventionId: string, checkIn: CheckInIn): Promise<InterventionOut> {
    return this.request("POST", `cases/${enc(caseId)}/interventions/${enc(interventionId)}/checkins`, checkIn, caseId);
  }

  completeIntervention(caseId: string, interventionId: string, completion: InterventionCompletionIn): Promise<InterventionOut> {
    return this.request("POST", `cases/${enc(caseId)}/interventions/${enc(interventionId)}/completion`, completion, caseId);
  }

  officer(officerId: string): Promise<OfficerSnapshot> {
    return this.request("GET", `officers/${enc(officerId)}`);
  }

  searchOfficers(q: string): Promise<OfficerPage> {
    return this.request("GET", `officers?q=${enc(q)}&limit=50`);
  }

  deferrals(): Promise<DeferralList> {
    return this.request("GET", "deferrals");
  }

  runs(): Promise<RunListOut> {
    return this.request("GET", "reports/runs?limit=10");
  }

  run(asOf: string): Promise<RunReportOut> {
    return this.request("GET", `reports/runs/${enc(asOf)}`);
  }

  command(months: number): Promise<CommandOverviewOut> {
    return this.request("GET", `reports/command?months=${months}`);
  }

  currentModel(): Promise<ModelCardOut> {
    return this.request("GET", "models/current");
  }

  assign(caseId: string, assignment: AssignmentIn): Promise<CaseOut> {
    return this.request("POST", `cases/${enc(caseId)}/assignment`, assignment, caseId);
  }

  officerDeferral(officerId: string): Promise<DeferralOut> {
    return this.request("GET", `officers/${enc(officerId)}/deferral`);
  }

  deferOfficer(officerId: string, deferral: DeferralIn): Promise<DeferralOut> {
    return this.request("POST", `officers/${enc(officerId)}/deferral`, deferral);
  }

  endOfficerDeferral(officerId: string, reason: string): Promise<DeferralOut> {
    return this.request("POST", `officers/${enc(officerId)}/deferral/end`, { reason });
  }

  wellnessCheckIns(): Promise<WellnessCheckInList> {
    return this.request("GET", "wellness/checkins");
  }

  wellnessCheckIn(checkinId: string): Promise<WellnessCheckInOut> {
    return this.request("GET", `wellness/checkins/${enc(checkinId)}`);
  }

  acknowledgeCheckIn(checkinId: string): Promise<WellnessCheckInOut> {
    return this.request("POST", `wellness/checkins/${enc(checkinId)}/acknowledge`);
  }

  backtests(): Promise<BacktestListOut> {
    return this.request("GET", "reports/backtests");
  }

  backtest(testYear: number): Promise<BacktestReportOut> {
    return this.request("GET", `reports/backtests/${testYear}`);
  }

  uploads(): Promise<UploadList> {
    return this.request("GET", "uploads?limit=50");
  }

  upload(uploadId: string): Promise<UploadOut> {
    return this.request("GET", `uploads/${enc(uploadId)}`);
  }

  /** A document the API serves as something other than JSON (a report, a CSV), as a Blob to save or open. */
  async document(path: string): Promise<Blob> {
    const token = await idToken(this.config);
    if (!token) throw new SignedOutError("Your session has ended. Sign in again.");
    const response = await fetch(resolve(path), { headers: { Authorization: `Bearer ${token}` }, cache: "no-store", credentials: "omit" });
    if (response.status === 401) throw new SignedOutError("Your session has ended. Sign in again.");
    if (!response.ok) {
      const text = await response.text();
      let body: ErrorOut | null = null;
      try {
        body = text ? (JSON.parse(text) as ErrorOut) : null;
      } catch {
        body = null;
      }
      throw new ApiError(response.status, body);
    }
    return response.blob();
  }

  trendsReport(format: "html" | "csv"): Promise<Blob> {
    return this.document(`reports/trends?format=${format}`);
  }

  quarantine(uploadId: string): Promise<Blob> {
    return this.document(`uploads/${enc(uploadId)}/quarantine`);
  }

  audit(sinceSeq?: number): Promise<AuditPage> {
    return this.request("GET", sinceSeq === undefined ? "audit?limit=200" : `audit?since_seq=${sinceSeq}&limit=200`);
  }
}
