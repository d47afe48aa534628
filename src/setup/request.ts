/**
 * What every setup page gets, and the one place that gives it: the token in the path checked on
 * every request (the API's `GET /setup-link`; a link that no longer works gets a page saying so),
 * the link's cookie (a CSRF secret, `HttpOnly`, `SameSite=Lax`, `Secure` on https, scoped to the
 * link's path) set on first sight and checked with the form's hidden field on every post, together
 * with the browser's own word on where the post came from.
 */
import type { Context } from "hono";
import { base64url } from "jose";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { formText } from "../form";
import { secretsEqual } from "../security/compare";
import type { FetchApp } from "../console/in-process";
import { closedPage, CSRF_FIELD } from "./frame";
import { LinkApi, LinkClosed, type OwnSetup } from "./link-api";

const COOKIE = "fedgate-setup";
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface SetupRequest {
  c: Context<AppEnv>;
  token: string;
  api: LinkApi;
  setup: OwnSetup;
  /** The link cookie's CSRF secret, for the forms' hidden field. */
  csrf: string;
  /** The posted form (CSRF checked); empty on a GET. */
  form: URLSearchParams;
}

export type StepHandler = (r: SetupRequest) => Promise<Response>;

const secureFlag = (c: Context<AppEnv>) => (c.get("config").issuer.startsWith("https:") ? "; Secure" : "");

/** The value of cookie `name` on the request. */
export function cookieOf(c: Context<AppEnv>, name: string): string | undefined {
  for (const part of (c.req.header("Cookie") ?? "").split(/;\s*/)) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

/** A `Set-Cookie` value with the pages' flags. */
export const cookieHeader = (c: Context<AppEnv>, name: string, value: string, path: string, maxAge: number) =>
  `${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secureFlag(c)}`;

const refused = (why: string) =>
  new Problem(403, "This form cannot be accepted", {
    description: "The form came from another site, or from an older visit to this page. Go back, reload the page and try again.",
    present: { as: "page", title: "This form cannot be accepted" }, detail: why,
  });

/** Whether the request says it comes from the issuer's own origin (a browser without either header is left to the secret). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("Origin");
  return origin === undefined || origin === new URL(c.get("config").issuer).origin;
}

/** Runs a step's handler with the link checked, the cookie read (or set) and a post's CSRF checked. */
export async function runStep(c: Context<AppEnv>, fetchApp: FetchApp, handler: StepHandler): Promise<Response> {
  const token = c.req.param("token") ?? "";
  if (!TOKEN.test(token)) return closedPage("unknown");
  const api = new LinkApi(c, fetchApp, token);
  try {
    const own = await api.call<OwnSetup>("GET", "/setup-link");
    if (!own.ok) {
      // The API's own 503 (the store unreachable) stays a 503; anything else here is a bug, a 500 (AB-8).
      const status = own.status === 503 ? 503 : 500;
      throw new Problem(status, "Setup unavailable", { description: "The setup could not be read just now. Try again shortly.", present: { as: "page", title: "Try again shortly" } });
    }
    const existing = cookieOf(c, COOKIE);
    const csrf = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    let form = new URLSearchParams();
    if (c.req.method === "POST") {
      form = new URLSearchParams(await formText(c.req.raw));
      if (!sameOrigin(c)) throw refused("cross-origin post");
      const given = form.getAll(CSRF_FIELD);
      if (!existing || given.length !== 1 || !(await secretsEqual(given[0]!, existing))) throw refused("missing or wrong CSRF secret");
    }
    const response = await handler({ c, token, api, setup: own.body, csrf, form });
    if (csrf !== existing) response.headers.append("Set-Cookie", cookieHeader(c, COOKIE, csrf, `/setup/${token}`, 7 * 24 * 3600));
    return response;
  } catch (error) {
    if (error instanceof LinkClosed) return closedPage(error.state);
    throw error;
  }
}
