/**
 * The control endpoint (emulator only): set misbehaviour switches per provider, optionally scoped to
 * one client_id; register clients; reset. See idp-fixtures/README.md for every switch.
 */
import { Hono } from "hono";
import { isTenant, parseClient, registerClient, resetRegisteredClients } from "./data";
import { resetDns } from "./dns";
import { issuerOf, origin, type AppEnv } from "./http";
import { keysFor, resetKeys, rotate } from "./keys";
import { PROVIDERS } from "./providers/index";
import { requestsFor, resetRequests } from "./requests";
import { resetRps } from "./rp";
import { resetStore, revokeAll } from "./store";
import { applyControl, describeSwitches, parseControl, resetSwitches } from "./switches";
import { PROVIDER_IDS, type ProviderId, type Tenant } from "./types";

const isProvider = (v: unknown): v is ProviderId => typeof v === "string" && (PROVIDER_IDS as readonly string[]).includes(v);

async function body(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return {};
  return JSON.parse(text) as unknown;
}

async function state(p: ProviderId) {
  const keys = await keysFor(p);
  return { provider: p, switches: describeSwitches(p), signingKid: keys.signing.kid, publishedKids: [keys.signing.kid, keys.next.kid] };
}

export const control = new Hono<AppEnv>();

control.get("/", (c) =>
  c.json({ issuers: Object.fromEntries(PROVIDER_IDS.map((id) => [id, issuerOf(c, PROVIDERS[id])])), dnsResolver: `${origin(c)}/dns/dns-query` }),
);

/** {} resets everything; {clientId} (optionally with provider) only that client's switches. */
control.post("/reset", async (c) => {
  let b: unknown;
  try {
    b = await body(c.req.raw);
  } catch {
    return c.json({ error: "body must be JSON" }, 400);
  }
  // `null` or `[]` is JSON too: reading `clientId` off null was a 500.
  if (typeof b !== "object" || b === null || Array.isArray(b)) return c.json({ error: "body must be a JSON object" }, 400);
  const fields = b as Record<string, unknown>;
  const clientId = typeof fields["clientId"] === "string" ? fields["clientId"] : undefined;
  const provider = isProvider(fields["provider"]) ? fields["provider"] : undefined;
  if (clientId === undefined && provider === undefined) {
    resetSwitches();
    resetKeys();
    resetStore();
    resetRegisteredClients();
    resetDns();
    resetRequests();
    resetRps();
  } else {
    resetSwitches(clientId, provider);
    resetRequests(clientId, provider);
  }
  return c.json({ reset: true });
});

/** Registers (or replaces) a client: {provider, clientId, clientSecret?, redirectUris?, ...}. */
control.post("/clients", async (c) => {
  try {
    const b = (await body(c.req.raw)) as Record<string, unknown>;
    const target = String(b["provider"] ?? "");
    const tenant: Tenant | undefined = target === "okta-org" ? "okta" : isTenant(target) ? target : undefined;
    if (!tenant) return c.json({ error: `"provider" must be one of ${PROVIDER_IDS.join(", ")}` }, 400);
    const client = parseClient(b);
    registerClient(tenant, client);
    return c.json({ provider: tenant, client }, 201);
  } catch (err) {
    return c.json({ error: err instanceof Error ? err.message : "invalid client" }, 400);
  }
});

/** The last authorization requests one client sent one provider: `{ requests: [{ params, at }] }`, newest last. */
control.get("/requests", (c) => {
  const provider = c.req.query("provider");
  const clientId = c.req.query("clientId");
  if (!isProvider(provider)) return c.json({ error: `"provider" must be one of ${PROVIDER_IDS.join(", ")}` }, 400);
  if (!clientId) return c.json({ error: '"clientId" is required' }, 400);
  return c.json({ provider, clientId, requests: requestsFor(provider, clientId) });
});

control.get("/:provider", async (c) => {
  const p = c.req.param("provider");
  if (!isProvider(p)) return c.json({ error: `unknown provider ${p}` }, 404);
  return c.json(await state(p));
});

control.post("/:provider", async (c) => {
  const p = c.req.param("provider");
  if (!isProvider(p)) return c.json({ error: `unknown provider ${p}` }, 404);
  let req;
  try {
    req = parseControl(await body(c.req.raw));
  } catch (err) {
    return c.json({ error: err instanceof Error ? err.message : "invalid switches" }, 400);
  }
  applyControl(p, req);
  if (req.actions.rotateKey) await rotate(p);
  if (req.actions.revokeTokens) revokeAll(p, req.clientId);
  return c.json(await state(p));
});
