/**
 * Test relying parties' back-channel logout endpoints (OpenID Connect Back-Channel Logout 1.0 §2.8),
 * for Fedgate's tests as the OP that sends logout tokens: `POST /rp/<name>/backchannel-logout`
 * records what arrived and answers 200 with `Cache-Control: no-store`, or an armed failure status.
 * It does not verify the logout token: the tests do, against Fedgate's JWKS. Any valid name exists
 * on first use; state is in the isolate's memory and a full reset forgets it.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "./http";

export interface Delivery {
  /** ISO 8601 time it arrived. */
  at: string;
  contentType: string | null;
  /** The form's `logout_token`, or null when the body is not a form or has none. */
  logoutToken: string | null;
  body: string;
}

interface TestRp {
  received: Delivery[];
  /** Requests answered with an armed failure status (not delivered). */
  failures: (Delivery & { status: number })[];
  failTimes: number;
  failStatus: number;
  delayMs: number;
}

const NAME = /^[a-z0-9-]{1,64}$/;
/** Per RP, so a runaway sender cannot grow memory without bound. */
const KEEP = 100;
const MAX_DELAY_MS = 30_000;
const MAX_FAIL_TIMES = 1000;

const rps = new Map<string, TestRp>();

function rp(name: string): TestRp {
  let r = rps.get(name);
  if (!r) rps.set(name, (r = { received: [], failures: [], failTimes: 0, failStatus: 503, delayMs: 0 }));
  return r;
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}

export function resetRps(): void {
  rps.clear();
}

function describe(name: string) {
  const r = rps.get(name);
  return {
    name,
    received: r?.received ?? [],
    failedAttempts: r?.failures.length ?? 0,
    failures: r?.failures ?? [],
    armed: { failTimes: r?.failTimes ?? 0, status: r?.failStatus ?? 503, delayMs: r?.delayMs ?? 0 },
  };
}

async function delivery(c: Context<AppEnv>): Promise<Delivery> {
  const contentType = c.req.header("content-type") ?? null;
  const body = await c.req.text();
  const isForm = contentType?.toLowerCase().split(";")[0]?.trim() === "application/x-www-form-urlencoded";
  return { at: new Date().toISOString(), contentType, logoutToken: isForm ? new URLSearchParams(body).get("logout_token") : null, body };
}

/** Mounted at /rp. */
export const rpEndpoint = new Hono<AppEnv>();

rpEndpoint.post("/:name/backchannel-logout", async (c) => {
  const name = c.req.param("name");
  if (!NAME.test(name)) return c.json({ error: "not_found" }, 404);
  const r = rp(name);
  const arrived = await delivery(c);
  if (r.delayMs > 0) await new Promise((done) => setTimeout(done, r.delayMs));
  const headers = { "cache-control": "no-store" };
  if (r.failTimes > 0) {
    r.failTimes--;
    push(r.failures, { ...arrived, status: r.failStatus });
    const error = r.failStatus >= 500 ? "temporarily_unavailable" : "invalid_request";
    return c.json({ error, error_description: `emulated ${r.failStatus}` }, r.failStatus as 500, headers);
  }
  push(r.received, arrived);
  return c.body(null, 200, headers);
});

/** Mounted at /__control/rp. */
export const rpControl = new Hono<AppEnv>();

/** Validates the name first: a 400 names what was wrong. */
rpControl.use("/:name", async (c, next) => {
  if (!NAME.test(c.req.param("name"))) return c.json({ error: "the RP name must be 1-64 of [a-z0-9-]" }, 400);
  await next();
});

rpControl.get("/:name", (c) => c.json(describe(c.req.param("name"))));

rpControl.delete("/:name", (c) => {
  rps.delete(c.req.param("name"));
  return c.json(describe(c.req.param("name")));
});

const isCount = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** `{failTimes, status?}` arms failures (status 400-599, default 503); `{delayMs}` answers slowly; 0 clears either. */
rpControl.post("/:name", async (c) => {
  let b: unknown;
  try {
    const text = await c.req.text();
    b = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return c.json({ error: "body must be JSON" }, 400);
  }
  if (typeof b !== "object" || b === null || Array.isArray(b)) return c.json({ error: "body must be a JSON object" }, 400);
  const fields = b as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== "failTimes" && key !== "status" && key !== "delayMs") return c.json({ error: `unknown field "${key}"` }, 400);
  }
  const { failTimes, status, delayMs } = fields;
  if (failTimes !== undefined && !isCount(failTimes, MAX_FAIL_TIMES)) {
    return c.json({ error: `"failTimes" must be a whole number from 0 to ${MAX_FAIL_TIMES}` }, 400);
  }
  if (status !== undefined && !(Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599)) {
    return c.json({ error: '"status" must be a whole number from 400 to 599' }, 400);
  }
  if (status !== undefined && failTimes === undefined) return c.json({ error: '"status" goes with "failTimes"' }, 400);
  if (delayMs !== undefined && !isCount(delayMs, MAX_DELAY_MS)) {
    return c.json({ error: `"delayMs" must be a whole number from 0 to ${MAX_DELAY_MS}` }, 400);
  }
  const r = rp(c.req.param("name"));
  if (failTimes !== undefined) {
    r.failTimes = failTimes;
    r.failStatus = (status as number | undefined) ?? 503;
  }
  if (delayMs !== undefined) r.delayMs = delayMs;
  return c.json(describe(c.req.param("name")));
});
