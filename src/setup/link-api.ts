/**
 * The admin API as the setup pages call it: in process (console/in-process.ts), with the link's own
 * credential `Authorization: Bearer fgs.<token>`, so the pages can do exactly what the API lets a
 * setup link do (admin/routes/setup-link-checks.ts), validated and audited there. A 401 means the
 * link is no credential (any more): `LinkClosed` says why, for the page that says so.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { inProcess, type FetchApp } from "../console/in-process";

/** An RFC 9457 problem as the API answers it (the shape console/forms.tsx maps to fields). */
export interface ApiProblem {
  status: number;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export type ApiAnswer<T> = { ok: true; status: number; etag: string | null; body: T } | { ok: false; status: number; problem: ApiProblem & Record<string, unknown> };

/** Why a link no longer works: "expired", "revoked", "completed", or "unknown" (never was). */
export class LinkClosed extends Error {
  override readonly name = "LinkClosed";
  constructor(readonly state: string) {
    super(`setup link ${state}`);
  }
}

/** The setup so far, as `GET /setup-link` answers it. */
export interface OwnSetup {
  linkId: string;
  projectId: string;
  organization: string;
  projectName: string;
  expiresAt: string;
  providerId: string;
  providerCreated: boolean;
  callbackUrl: string;
  domains: { domain: string; verified: boolean; mapped: boolean }[];
}

export class LinkApi {
  constructor(
    private readonly c: Context<AppEnv>,
    private readonly fetchApp: FetchApp,
    private readonly token: string,
  ) {}

  /** Calls `method path` under /admin/v1 as the link. */
  async call<T = unknown>(method: string, path: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<ApiAnswer<T>> {
    const response = await inProcess(this.c, this.fetchApp, `/admin/v1${path}`, {
      method,
      headers: {
        Authorization: `Bearer fgs.${this.token}`, Accept: "application/json",
        ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(options.ifMatch ? { "If-Match": options.ifMatch } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (response.status === 401) {
      const state = (body as { setupLinkState?: unknown } | undefined)?.setupLinkState;
      throw new LinkClosed(typeof state === "string" ? state : "unknown");
    }
    if (response.ok) return { ok: true, status: response.status, etag: response.headers.get("ETag"), body: body as T };
    const problem = (body ?? {}) as Partial<ApiProblem> & Record<string, unknown>;
    return { ok: false, status: response.status, problem: { ...problem, status: response.status, title: problem.title ?? "Error" } };
  }
}
