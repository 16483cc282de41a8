// Where the portal signs in: read from config.json beside index.html (written by the local stack, or
// at deploy time in AWS). Relative URLs resolve against the page, so the portal works under a stage path.

export interface PortalConfig {
  clientId: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** In AWS, Cognito's /logout: ends the hosted sign-in's own session too. Absent on the local stack. */
  logoutUrl: string | null;
  idleMinutes: number;
}

interface ConfigJson {
  client_id: string;
  authorize_url: string;
  token_url: string;
  revoke_url: string;
  logout_url?: string;
  idle_minutes?: number;
}

export function resolve(path: string): string {
  return new URL(path, document.baseURI).toString();
}

export async function loadConfig(): Promise<PortalConfig> {
  const response = await fetch(resolve("config.json"), { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const raw = (await response.json()) as ConfigJson;
  return {
    clientId: raw.client_id,
    authorizeUrl: resolve(raw.authorize_url),
    tokenUrl: resolve(raw.token_url),
    revokeUrl: resolve(raw.revoke_url),
    logoutUrl: raw.logout_url ? resolve(raw.logout_url) : null,
    idleMinutes: raw.idle_minutes ?? 30,
  };
}
