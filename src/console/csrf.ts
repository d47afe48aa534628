/**
 * CSRF protection of every console form post, two independent checks: the browser's own word on
 * where the post came from (`Sec-Fetch-Site`, else `Origin`), which must be this issuer's origin, and
 * the session's CSRF token in the hidden field `csrf`, compared in constant time. `SameSite=Lax` on
 * the session cookie already keeps it off cross-site posts; these hold even where it does not.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { secretsEqual } from "../security/compare";
import type { OpenSession } from "./session";

/** The hidden field that carries the token. */
export const CSRF_FIELD = "csrf";

const refused = (why: string) =>
  new Problem(403, "This form cannot be accepted", {
    description: "The form came from another site, or it is older than your session. Go back, reload the page and try again.",
    present: { as: "page", title: "This form cannot be accepted" },
    detail: why,
  });

/** Whether the request says it comes from the issuer's own origin (a browser without either header is left to the token). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("Origin");
  return origin === undefined || origin === new URL(c.get("config").issuer).origin;
}

/** Refuses a form post (403 page) unless it is same-origin and carries the session's CSRF token. */
export async function checkCsrf(c: Context<AppEnv>, session: OpenSession, form: URLSearchParams): Promise<void> {
  if (!sameOrigin(c)) throw refused("cross-origin post");
  const given = form.getAll(CSRF_FIELD);
  if (given.length !== 1 || !(await secretsEqual(given[0]!, session.record.csrf))) throw refused("missing or wrong CSRF token");
}
