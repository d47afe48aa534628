// `npm run bench`: for each suite, bundle its Worker, serve it with `workerd serve`, load each row with autocannon.
// Suites run one after the other, each in its own workerd process: "main" (the Worker, ROUTES),
// "resolution" (bench/workers/domain-resolution.ts: domain resolution at 10 and 100,000 mappings) and
// "token" (bench/workers/token.ts: the real Worker's token endpoint, authorization_code, refresh_token,
// client_credentials and token exchange, next to node-oidc-provider 9's client_credentials in Node:
// bench/node-oidc-provider.mjs). The token-exchange rows' upstream providers are the IdP emulators
// (idp-fixtures/start.mjs, Miniflare, on a random port), started here and stopped when the suite ends.
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (20), BENCH_SEQ (2000 sequential requests for CPU/req),
// BENCH_ROUNDS (1; >1 alternates a suite's rows and reports medians), BENCH_SUITES (main,resolution,token; "scale" is opt-in: bench/scale.mjs),
// BENCH_CONFIG or --config <wrangler.toml> (the main suite's config), BENCH_TOKEN_RATE_LIMIT (the token suite's
// RATE_LIMIT_TOKEN and RATE_LIMIT_CLIENT_TOKEN: 1000000/60s, or "off" to see what the limiter costs),
// BENCH_STORE (the main and token suites' store: "durable-object", the default, SQLite Durable Objects inside the
// workerd process, so their CPU is in workerd's; or "upstash": Redis through the Upstash REST protocol, served by the
// test bridge in its own Node process (bench/upstash.mjs) and redis-server db 9, emptied first, so workerd's CPU is
// the Worker's own; the resolution suite reads Durable Objects directly and ignores it).
// BENCH_PROFILE=1: the bundle unminified and V8's sampling profiler over each row's concurrent load (bench/profile.mjs):
// .bench/profile-<suite>-<n>.cpuprofile and a self-time summary per row; the profiler slows workerd, so read its
// req/s as a profile's, not a figure.
// Never benchmark through `wrangler dev` (its proxy costs ~16x throughput): see /work/shared/PERF.md.
import autocannon from "autocannon";
import { createLocalJWKSet, jwtVerify } from "jose";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join, resolve } from "node:path";
import { startEmulators } from "../idp-fixtures/start.mjs";
import { migratingAppClient, upstreamTokens } from "../scripts/upstream-token.mjs";
import { startNodeOidcProvider } from "./node-oidc-provider.mjs";
import { connectProfiler, summarize } from "./profile.mjs";
import { scaleSuite } from "./scale.mjs";
import { startBenchUpstash } from "./upstash.mjs";
import { bundle, CLK_TCK, cpuTicks, freePort, OUT, ROOT, serve, storeRoundTrips, waitHealthy, workerdVersion } from "./workerd.mjs";

// One row per benchmarked request. Optional per row: method, headers, body, `expect` (allowed status codes;
// default any 2xx) and `async setup(ctx)`, run once before warm-up with ctx = { base, vars, fetch, note } — it can
// create clients, users, ... and returns fields that override the row's (method, path, headers, body, or an
// autocannon `requests` array for per-request bodies); note(text) adds a line under the suite's title.
// Rows whose requests are single use (codes, refresh tokens) also return, from setup:
// - `prepare({ connections, duration } | { connections: 1, amount })`: run before the warm-up and before each load,
//   outside its CPU measurement, to issue what that load will consume;
// - `nextRequest()`: { method, path, headers, body } of a fresh request, used by the warm-up (and by their `requests`);
// - `onResponse(status, body)`: sees every warm-up response (autocannon's own responses go to their `requests`);
// - `finish(run)`: after each load, with { total, seconds, reqPerSec }.
// A row with `floor: true` is the suite's floor: the others' req/s are also noted as a fraction of it; a row's
// `floorTarget` (a fraction) adds whether it meets that PERF.md target.
// A row whose setup returns `external: { pid, stop }` is served by another process (a comparison such as
// node-oidc-provider): its setup also returns `base`, CPU is read from that process group, it has no store
// round trips (n/a), and stop() runs when the suite ends. `compareTo: <row name>` notes that row's req/s and CPU
// as a multiple of this row's.
const ROUTES = [
  { name: "GET /healthz (runtime ceiling)", path: "/healthz" },
  { name: "GET /.well-known/openid-configuration", path: "/.well-known/openid-configuration" },
  { name: "GET /.well-known/jwks.json", path: "/.well-known/jwks.json" },
];

// The domain-resolution suite: its own bench Worker reads mappings through the real DurableObjectStore
// (one SQLite Durable Object per project). setup() seeds the project once per workerd process (the rows
// of one size share it) and returns an autocannon `requests` array that picks a domain per request.
const HOT_DOMAINS = 500;
const seeding = new Map(); // `${base} ${project}` → promise of the seeding
function seedProject(base, count, note) {
  const project = `bench-${count}`;
  const key = `${base} ${project}`;
  if (!seeding.has(key)) seeding.set(key, (async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/seed?project=${project}&count=${count}`, { method: "POST" });
    if (!res.ok) throw new Error(`seeding ${project} answered ${res.status}: ${await res.text()}`);
    const { written } = await res.json();
    note(`seeded ${count.toLocaleString("en-US")} mappings (${written.toLocaleString("en-US")} written) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return project;
  })());
  return seeding.get(key);
}
const resolveRow = (count, cache) => ({
  // cache=off: a uniformly random domain of all seeded ones per request, so reads spread over the whole table.
  // cache=on: random among a fixed hot set of HOT_DOMAINS, pre-loaded into the isolate cache — that cache
  // keeps at most 50,000 entries for 30 s, so random over all 100,000 would mostly measure misses.
  name: `GET /resolve cache=${cache}, ${count.toLocaleString("en-US")} mappings (${cache === "off" ? "random of all" : `random of ${Math.min(count, HOT_DOMAINS)} hot`})`,
  async setup({ base, note }) {
    const project = await seedProject(base, count, note);
    const pathOf = (i) => `/resolve?project=${project}&domain=d${i}.example&cache=${cache}`;
    const hot = Array.from({ length: Math.min(count, HOT_DOMAINS) }, (_, i) => (count <= HOT_DOMAINS ? i : Math.floor(Math.random() * count)));
    if (cache === "on") for (const i of hot) await (await fetch(base + pathOf(i))).arrayBuffer();
    const pick = cache === "off" ? () => Math.floor(Math.random() * count) : () => hot[Math.floor(Math.random() * hot.length)];
    return { path: pathOf(pick()), requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: pathOf(pick()) }) }] };
  },
});
const RESOLUTION_ROUTES = [resolveRow(10, "off"), resolveRow(100_000, "off"), resolveRow(10, "on"), resolveRow(100_000, "on")];

// The token suite: bench/workers/token.ts serves the real Worker and adds /__bench/ routes that create a
// project, a confidential client and a user, and issue authorization codes and refresh-token families directly
// through the store (no HTTP sign-in). Codes and refresh tokens are single use, so every request takes a fresh one.
const TOKEN_SCOPE = "openid email offline_access";
/** A code or token no pool holds: sent only if a pool runs dry, answered 400, so a short pool shows as non-2xx. */
const DRY = "pool-ran-dry-pool-ran-dry-pool-ran-dry-0000";
/** Codes issued to measure the exchange rate once, before sizing each load's pool from it. */
const CALIBRATION = 1000;
/** Pool for a load of `duration` s: the rate × duration × this margin, plus two per connection. */
const POOL_MARGIN = 2.5;
const tokenFixtures = new Map(); // base → promise of the fixture
function tokenFixture(base, note) {
  if (!tokenFixtures.has(base)) tokenFixtures.set(base, (async () => {
    const res = await fetch(`${base}/__bench/setup`, { method: "POST" });
    if (!res.ok) throw new Error(`POST /__bench/setup answered ${res.status}: ${await res.text()}`);
    const f = await res.json();
    // client_secret_basic: RFC 6749 §2.3.1 form-encodes id and secret before base64.
    f.authorization = `Basic ${Buffer.from(`${encodeURIComponent(f.clientId)}:${encodeURIComponent(f.clientSecret)}`).toString("base64")}`;
    await checkTokenEndpoint(base, f, note);
    return f;
  })());
  return tokenFixtures.get(base);
}
/** `count` codes or refresh tokens from the fixture Worker, in calls of at most 5,000. */
async function issueFresh(base, what, count) {
  const out = [];
  for (let n = 0; n < count; n += 5000) {
    const res = await fetch(`${base}/__bench/${what}?count=${Math.min(5000, count - n)}`, { method: "POST" });
    if (!res.ok) throw new Error(`POST /__bench/${what} answered ${res.status}: ${await res.text()}`);
    const body = await res.json();
    out.push(...(body.codes ?? body.tokens));
  }
  return out;
}
const tokenRequest = (f, params) => ({
  method: "POST", path: "/oauth2/token",
  headers: { authorization: f.authorization, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(params).toString(),
});
/** Once per workerd process: one exchange and one refresh answer 200 with tokens that verify against the JWKS. */
async function checkTokenEndpoint(base, f, note) {
  const post = ({ path, ...init }) => fetch(base + path, init);
  const [code] = await issueFresh(base, "codes", 1);
  const first = await checkTokenResponse(base, f, "authorization_code",
    await post(tokenRequest(f, { grant_type: "authorization_code", code, redirect_uri: f.redirectUri, code_verifier: f.verifier })));
  const second = await checkTokenResponse(base, f, "refresh_token", await post(tokenRequest(f, { grant_type: "refresh_token", refresh_token: first.refresh_token })));
  if (second.refresh_token === first.refresh_token) throw new Error("refresh_token grant did not rotate the refresh token");
  note("checked once: an authorization_code exchange and a refresh answer 200, no-store, Bearer, scope as granted, ES256 access token (at+jwt) " +
    "and ID token verified against /.well-known/jwks.json (iss, aud, sub, client_id, email, sid), refresh token rotated");
}
async function checkTokenResponse(base, f, grant, res) {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${grant}: POST /oauth2/token answered ${res.status}: ${text}`);
  const body = JSON.parse(text);
  const problems = [];
  if (!/no-store/.test(res.headers.get("cache-control") ?? "")) problems.push("Cache-Control lacks no-store");
  if (!/^store;.*round trips?"/.test(res.headers.get("server-timing") ?? "")) problems.push("no Server-Timing store metric");
  if (body.token_type !== "Bearer") problems.push(`token_type ${body.token_type}`);
  if (!(Number.isInteger(body.expires_in) && body.expires_in > 0)) problems.push(`expires_in ${body.expires_in}`);
  if (body.scope !== TOKEN_SCOPE) problems.push(`scope "${body.scope}"`);
  if (!/^prj_[a-z2-7]{16}\.usr_[a-z2-7]{20}\.[a-z2-7]{26}\.\d+\.[\w-]{43}$/.test(body.refresh_token ?? "")) problems.push(`refresh_token ${body.refresh_token}`);
  const jwks = createLocalJWKSet(await (await fetch(`${base}/.well-known/jwks.json`)).json());
  const options = { issuer: base, audience: f.clientId, algorithms: ["ES256"] };
  const { payload: at } = await jwtVerify(body.access_token, jwks, { ...options, typ: "at+jwt" });
  const { payload: id } = await jwtVerify(body.id_token ?? "", jwks, options);
  if (at.sub !== f.userId || at.client_id !== f.clientId || at.scope !== TOKEN_SCOPE) problems.push(`access token claims ${JSON.stringify(at)}`);
  if (id.sub !== f.userId || id.email !== "bench.user@bench.example" || !id.sid || !id.at_hash) problems.push(`ID token claims ${JSON.stringify(id)}`);
  if (problems.length) throw new Error(`${grant}: malformed token response: ${problems.join("; ")}\n${text}`);
  return body;
}
/** client_secret_basic: RFC 6749 §2.3.1 form-encodes id and secret before base64. */
const basicAuthorization = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
const CLIENT_CREDENTIALS_ROW = "POST /oauth2/token client_credentials (client_secret_basic)";
const clientCredentialsParams = (m) => ({ grant_type: "client_credentials", scope: m.scopes.join(" "), resource: m.audience });
/** Processes a comparison row started; stopped when its suite ends, or on exit. */
const stops = new Set();
const machineFixtures = new Map(); // base → promise of the machine client
function machineFixture(base, note) {
  if (!machineFixtures.has(base)) machineFixtures.set(base, (async () => {
    await tokenFixture(base, note); // the project the machine client lives in
    const res = await fetch(`${base}/__bench/client-credentials`, { method: "POST" });
    if (!res.ok) throw new Error(`POST /__bench/client-credentials answered ${res.status}: ${await res.text()}`);
    const m = await res.json();
    m.authorization = basicAuthorization(m.clientId, m.clientSecret);
    await checkClientCredentialsResponse(base, `${base}/.well-known/jwks.json`, m, await fetch(`${base}/oauth2/token`, tokenRequest(m, clientCredentialsParams(m))), { gty: true });
    note("client_credentials: checked once: 200, no-store, Bearer, no refresh or ID token, ES256 access token (at+jwt) verified against " +
      "/.well-known/jwks.json (iss, aud = the requested resource, sub = client_id = the client, gty client_credentials, scope)");
    return m;
  })());
  return machineFixtures.get(base);
}
/** A client_credentials response: 200, no-store, an ES256 at+jwt for the client and the resource, nothing else. */
async function checkClientCredentialsResponse(base, jwksUrl, m, res, { gty }) {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`client_credentials at ${base} answered ${res.status}: ${text}`);
  const body = JSON.parse(text);
  const scope = m.scopes.join(" ");
  const problems = [];
  if (!/no-store/.test(res.headers.get("cache-control") ?? "")) problems.push("Cache-Control lacks no-store");
  if (body.token_type !== "Bearer") problems.push(`token_type ${body.token_type}`);
  if (body.scope !== scope) problems.push(`scope "${body.scope}"`);
  if (body.refresh_token || body.id_token) problems.push("a refresh or ID token");
  const jwks = createLocalJWKSet(await (await fetch(jwksUrl)).json());
  const { payload } = await jwtVerify(body.access_token, jwks, { issuer: base, audience: m.audience, algorithms: ["ES256"], typ: "at+jwt" });
  if (payload.sub !== m.clientId || payload.client_id !== m.clientId || payload.scope !== scope || (gty && payload.gty !== "client_credentials")) {
    problems.push(`access token claims ${JSON.stringify(payload)}`);
  }
  if (problems.length) throw new Error(`client_credentials at ${base}: malformed token response: ${problems.join("; ")}\n${text}`);
}
/** Counts each response's `Server-Timing` store round trips, so a row reports their spread, not one sample. */
const roundTripCounter = () => {
  const seen = new Map();
  return {
    add: (headers) => {
      const header = headers?.["server-timing"] ?? headers?.["Server-Timing"];
      // Writes the request leaves for after the response (the audit log's append): `store-background;desc="N after …"`.
      const background = Number(/store-background;desc="?(\d+) after/.exec(header ?? "")?.[1] ?? 0);
      const n = `${storeRoundTrips(header)} RT${background ? ` (+ ${background} after the response)` : ""}`;
      seen.set(n, (seen.get(n) ?? 0) + 1);
    },
    text: () => [...seen].sort((a, b) => b[1] - a[1]).map(([n, count]) => `${n} × ${count.toLocaleString("en-US")}`).join(", "),
    /** The most round trips (before the response) any counted response took. */
    max: () => Math.max(0, ...[...seen.keys()].map((n) => Number.parseInt(n, 10))),
    reset: () => seen.clear(),
  };
};
// Token exchange (RFC 8693, README "Migrating an existing app"): a migrating app trades an upstream provider's
// access token for a Fedgate access token. The upstream is the IdP emulators, started once per run (they are not
// measured: a warm exchange must not call them, which /__bench/stats counts). The fixture Worker registers an Okta
// custom authorization server and Google as the project's providers, each trusting the emulators' "migrating app"
// client, and a confidential client with only the token-exchange grant.
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const EXCHANGE_SCOPE = "openid orders:read";
/** Expected store round trips of a warm exchange: the user lookup (the rate limits are the platform's bindings). */
const EXCHANGE_RT = 1;
let emulators; // promise of the running IdP emulators
const emulator = () => (emulators ??= startEmulators());
async function stopEmulators() {
  const running = emulators;
  emulators = undefined;
  if (running) await (await running.catch(() => null))?.stop();
}
const upstreamFetchCount = async (base) => (await (await fetch(`${base}/__bench/stats`)).json()).upstreamFetches;
const exchangeFixtures = new Map(); // base → promise of the exchange fixture
function exchangeFixture(base, note) {
  if (!exchangeFixtures.has(base)) exchangeFixtures.set(base, (async () => {
    await tokenFixture(base, note); // the project the providers and the client live in
    const emu = await emulator();
    const res = await fetch(`${base}/__bench/exchange-setup`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ origin: emu.origin, okta: migratingAppClient("okta"), google: migratingAppClient("google") }),
    });
    if (!res.ok) throw new Error(`POST /__bench/exchange-setup answered ${res.status}: ${await res.text()}`);
    const x = await res.json();
    x.authorization = basicAuthorization(x.clientId, x.clientSecret);
    x.origin = emu.origin;
    note(`token exchange: IdP emulators (idp-fixtures/start.mjs, Miniflare) at ${emu.origin}; providers okta (${emu.issuers.okta}, ` +
      `exchange.audiences ["api://default"]) and google (${emu.issuers.google}, acceptOpaqueTokens), both trusting the client ` +
      `${migratingAppClient("okta").clientId} / ${migratingAppClient("google").clientId}`);
    return x;
  })());
  return exchangeFixtures.get(base);
}
const exchangeParams = (subjectToken) => ({
  grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: EXCHANGE_SCOPE,
});
/** A fresh upstream access token from the emulators (a seeded user signs in as the migrating app) and whose it is. */
async function upstreamSubjectToken(origin, provider) {
  const tokens = await upstreamTokens(origin, provider);
  // The upstream subject an exchange links: Okta's access token names the user by `uid`; Google's is opaque, its ID token's `sub`.
  const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
  const subject = provider === "okta" ? claims(tokens.access_token).uid : claims(tokens.id_token).sub;
  if (!subject) throw new Error(`${provider}: no upstream subject in ${JSON.stringify(tokens)}`);
  return { token: tokens.access_token, subject, expiresIn: tokens.expires_in };
}
/** An exchange response: 200, no-store, an ES256 at+jwt for the linked user, issued by Fedgate, for the client. */
async function checkExchangeResponse(base, x, provider, subject, res) {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token exchange (${provider}): POST /oauth2/token answered ${res.status}: ${text}`);
  const body = JSON.parse(text);
  const problems = [];
  if (!/no-store/.test(res.headers.get("cache-control") ?? "")) problems.push("Cache-Control lacks no-store");
  if (!/^store;.*round trips?"/.test(res.headers.get("server-timing") ?? "")) problems.push("no Server-Timing store metric");
  if (body.issued_token_type !== ACCESS_TOKEN_TYPE) problems.push(`issued_token_type ${body.issued_token_type}`);
  if (body.token_type !== "Bearer") problems.push(`token_type ${body.token_type}`);
  if (!(Number.isInteger(body.expires_in) && body.expires_in > 0)) problems.push(`expires_in ${body.expires_in}`);
  if (body.scope !== EXCHANGE_SCOPE) problems.push(`scope "${body.scope}"`);
  if (body.refresh_token || body.id_token) problems.push("a refresh or ID token");
  const linked = await fetch(`${base}/__bench/exchange-user?provider=${x.providers[provider]}&subject=${encodeURIComponent(subject)}`);
  if (!linked.ok) throw new Error(`token exchange (${provider}): no user linked to ${subject}: ${linked.status} ${await linked.text()}`);
  const user = await linked.json();
  const jwks = createLocalJWKSet(await (await fetch(`${base}/.well-known/jwks.json`)).json());
  const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: base, audience: x.clientId, algorithms: ["ES256"], typ: "at+jwt" });
  if (payload.sub !== user.userId || payload.idp !== x.providers[provider] || payload.client_id !== x.clientId || payload.scope !== EXCHANGE_SCOPE ||
      payload.email !== user.email || protectedHeader.alg !== "ES256") {
    problems.push(`access token claims ${JSON.stringify(payload)} (linked user ${JSON.stringify(user)})`);
  }
  if (problems.length) throw new Error(`token exchange (${provider}): malformed token response: ${problems.join("; ")}\n${text}`);
  return { body, user, serverTiming: res.headers.get("server-timing") };
}
/**
 * A token-exchange row. Access tokens are not single use: one upstream token serves every request of a load.
 * `freshTokenPerLoad`: a new upstream token before each load, judged once by an exchange then (not measured), for
 * subject tokens whose verdict is cached for a bounded time (an opaque token's, at most 60 s, never past its expiry).
 * Before each load one exchange runs outside the measurement, so the load sees the warm path.
 */
const exchangeRow = ({ name, provider, label, freshTokenPerLoad = false, floorTarget }) => ({
  name, floorTarget,
  method: "POST", path: "/oauth2/token",
  async setup({ base, note }) {
    const x = await exchangeFixture(base, note);
    let upstream = await upstreamSubjectToken(x.origin, provider);
    let current = tokenRequest(x, exchangeParams(upstream.token));
    const post = ({ path, ...init }) => fetch(base + path, init);
    // Checked once, on the cold path: the first exchange of this person links (creates) the user and fetches what it needs upstream.
    const before = await upstreamFetchCount(base);
    const cold = await checkExchangeResponse(base, x, provider, upstream.subject, await post(current));
    const coldFetches = (await upstreamFetchCount(base)) - before;
    const coldRts = roundTripCounter();
    coldRts.add({ "server-timing": cold.serverTiming });
    note(`${label}: checked once: 200, no-store, issued_token_type access_token, Bearer, scope "${EXCHANGE_SCOPE}", no refresh or ID token, ` +
      `ES256 access token (at+jwt) verified against /.well-known/jwks.json (iss, aud = client_id = the client, sub = the user linked to ` +
      `${provider} subject ${upstream.subject} (${cold.user.email}), idp ${x.providers[provider]}); that first (cold) exchange: ` +
      `${coldFetches} upstream fetches, ${coldRts.text()}`);
    const rts = roundTripCounter();
    const requests = [{ method: "POST", setupRequest: (req) => ({ ...req, ...current }), onResponse: (_s, _b, _c, headers) => rts.add(headers) }];
    let tokensMinted = 1;
    return {
      ...current, requests,
      nextRequest: () => current,
      async prepare() {
        if (freshTokenPerLoad) {
          upstream = await upstreamSubjectToken(x.origin, provider);
          current = tokenRequest(x, exchangeParams(upstream.token));
          tokensMinted += 1;
        }
        const warm = await post(current);
        if (warm.status !== 200) throw new Error(`${label}: the exchange before the load answered ${warm.status}: ${await warm.text()}`);
        await warm.arrayBuffer();
        rts.reset();
      },
      finish({ seconds, total }) {
        const max = rts.max();
        note(`${label}, ${seconds ? `${seconds} s load` : `${total} sequential`}: store round trips per response ${rts.text()} ` +
          `(expected ${EXCHANGE_RT}: the user lookup; ${max <= EXCHANGE_RT ? "as expected" : `**up to ${max}**`})` +
          (freshTokenPerLoad ? `; upstream tokens minted so far: ${tokensMinted} (one per load, ${upstream.expiresIn} s lifetime)` : ""));
      },
    };
  },
});
const TOKEN_ROUTES = [
  {
    name: "POST /__bench/sign (floor: parse a form, sign one ES256 JWT)",
    floor: true,
    method: "POST", path: "/__bench/sign", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "sub=usr_bench",
  },
  {
    // A fresh code per request from a pool issued just before each load, oldest first (codes live 60 s), sized
    // from the rate a calibration burst measured, then from each load's own rate.
    name: "POST /oauth2/token authorization_code (client_secret_basic, PKCE S256)",
    method: "POST", path: "/oauth2/token",
    async setup({ base, note }) {
      const f = await tokenFixture(base, note);
      let pool = [];
      let next = 0;
      let dry = 0;
      const rts = roundTripCounter();
      const nextRequest = () => {
        const code = next < pool.length ? pool[next++] : (dry++, DRY);
        return tokenRequest(f, { grant_type: "authorization_code", code, redirect_uri: f.redirectUri, code_verifier: f.verifier });
      };
      const requests = [{ method: "POST", setupRequest: (req) => ({ ...req, ...nextRequest() }), onResponse: (_s, _b, _c, headers) => rts.add(headers) }];
      pool = await issueFresh(base, "codes", CALIBRATION + CONNECTIONS);
      const t0 = performance.now();
      await autocannon({ url: `${base}/oauth2/token`, connections: CONNECTIONS, amount: CALIBRATION, requests });
      let rate = CALIBRATION / ((performance.now() - t0) / 1000);
      if (dry) throw new Error(`calibration ran dry (${dry})`);
      note(`authorization_code: calibrated at ~${rate.toFixed(0)} req/s over ${CALIBRATION} requests; each load's codes are issued just before it (not measured)`);
      return {
        requests, nextRequest,
        async prepare({ connections, duration, amount }) {
          const count = amount ? amount + connections : Math.ceil(rate * duration * POOL_MARGIN) + 2 * connections;
          const t1 = performance.now();
          pool = await issueFresh(base, "codes", count);
          next = 0;
          dry = 0;
          rts.reset();
          if (!amount) console.error(`issued ${count} codes in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        },
        finish({ reqPerSec, seconds, total }) {
          if (seconds) rate = Math.max(rate, reqPerSec);
          note(`authorization_code, ${seconds ? `${seconds} s load` : `${total} sequential`}: store round trips per response ${rts.text()}; ` +
            `${pool.length.toLocaleString("en-US")} codes issued, ${Math.min(next, pool.length).toLocaleString("en-US")} used${dry ? `, **pool ran dry: ${dry} requests sent an unknown code**` : ""}`);
        },
      };
    },
  },
  {
    // Each response's new refresh token goes back into a shared queue that the next request takes from: the
    // chain keeps every connection on a live family (one rotation per request), seeded with 2 families a connection.
    name: "POST /oauth2/token refresh_token (client_secret_basic, rotation)",
    method: "POST", path: "/oauth2/token",
    async setup({ base, note }) {
      const f = await tokenFixture(base, note);
      const queue = [];
      let dry = 0;
      const rts = roundTripCounter();
      const nextRequest = () => tokenRequest(f, { grant_type: "refresh_token", refresh_token: queue.shift() ?? (dry++, DRY) });
      const onResponse = (status, body) => {
        const token = status === 200 ? /"refresh_token":"([^"]+)"/.exec(body)?.[1] : undefined;
        if (token) queue.push(token);
      };
      const requests = [{ method: "POST", setupRequest: (req) => ({ ...req, ...nextRequest() }), onResponse: (status, body, _c, headers) => { onResponse(status, body); rts.add(headers); } }];
      return {
        requests, nextRequest, onResponse,
        async prepare({ connections }) {
          const missing = 2 * connections - queue.length;
          if (missing > 0) queue.push(...(await issueFresh(base, "refresh-tokens", missing)));
          dry = 0;
          rts.reset();
        },
        finish({ seconds, total }) {
          note(`refresh_token, ${seconds ? `${seconds} s load` : `${total} sequential`}: store round trips per response ${rts.text()}` +
            `${dry ? `; **queue ran dry: ${dry} requests sent an unknown token**` : ""}`);
        },
      };
    },
  },
  {
    // Nothing single use: the same form every request. The machine client (bench/workers/token.ts) has only the
    // client_credentials grant; `resource` names an API it registered, so `aud` is that API, as for the
    // node-oidc-provider row below, which gets the same body.
    name: CLIENT_CREDENTIALS_ROW,
    method: "POST", path: "/oauth2/token",
    async setup({ base, note }) {
      const m = await machineFixture(base, note);
      const rts = roundTripCounter();
      const request = tokenRequest(m, clientCredentialsParams(m));
      const count = (headers) => rts.add(headers);
      return {
        ...request,
        requests: [{ ...request, onResponse: (_s, _b, _c, headers) => count(headers) }],
        prepare() { rts.reset(); },
        finish({ seconds, total }) {
          note(`client_credentials, ${seconds ? `${seconds} s load` : `${total} sequential`}: store round trips per response ${rts.text()}`);
        },
      };
    },
  },
  exchangeRow({
    name: "POST /oauth2/token token exchange, JWT subject token (warm JWKS)", label: "token exchange, JWT (Okta custom AS access token)",
    provider: "okta", floorTarget: 0.75,
  }),
  exchangeRow({
    name: "POST /oauth2/token token exchange, opaque subject token (warm cache)", label: "token exchange, opaque (Google ya29 access token)",
    provider: "google", freshTokenPerLoad: true,
  }),
  {
    // PERF.md's comparison: the same request to node-oidc-provider 9 (Node 24, in-memory adapter, which a JWT
    // access token never touches), one client, ES256 `at+jwt` access tokens for one resource server.
    name: "node-oidc-provider POST /token client_credentials (client_secret_basic), Node",
    method: "POST", path: "/token",
    compareTo: CLIENT_CREDENTIALS_ROW,
    async setup({ note }) {
      const m = { clientId: "bench-machine", clientSecret: b64url(32), scopes: ["read:devices", "write:results"], audience: "https://api.bench.example" };
      m.authorization = basicAuthorization(m.clientId, m.clientSecret);
      const server = await startNodeOidcProvider({ port: await freePort(), ...m });
      stops.add(server.stop);
      try {
        const res = await fetch(`${server.base}/token`, tokenRequest(m, clientCredentialsParams(m)));
        await checkClientCredentialsResponse(server.base, `${server.base}/jwks`, m, res, { gty: false });
      } catch (error) { server.stop(); throw error; }
      note(`node-oidc-provider ${server.version} on ${process.version} (pid ${server.pid}), NODE_ENV=production; checked once: 200, no-store, ES256 at+jwt ` +
        "access token verified against its JWKS (iss, aud, sub, client_id, scope)");
      const request = { ...tokenRequest(m, clientCredentialsParams(m)), path: "/token" };
      return { base: server.base, ...request, external: { pid: server.pid, stop: server.stop }, name: `node-oidc-provider ${server.version} POST /token client_credentials (client_secret_basic), Node ${process.version}` };
    },
  },
];

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SEQ = Number(process.env.BENCH_SEQ ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const TOKEN_RATE_LIMIT = process.env.BENCH_TOKEN_RATE_LIMIT ?? "1000000/60s";
const STORE = process.env.BENCH_STORE ?? "durable-object";
const PROFILE = Boolean(process.env.BENCH_PROFILE);
if (!["durable-object", "upstash"].includes(STORE)) throw new Error(`BENCH_STORE=${STORE}: "durable-object" (default) or "upstash"`);
/** How the suites' titles name their store. */
const STORE_TITLES = {
  "durable-object": "store: Durable Objects (SQLite) inside the workerd process, so their CPU is in the CPU column",
  upstash: "store: Upstash REST (BENCH_STORE=upstash): test/helpers/upstash-bridge.ts in its own Node process → redis-server db 9; " +
    "the CPU column is the Worker's own",
};
const WARMUP = 20;
const argConfig = process.argv.indexOf("--config");
const CONFIG = resolve(argConfig > 0 ? process.argv[argConfig + 1] : process.env.BENCH_CONFIG ?? join(ROOT, "wrangler.toml"));
/** The Worker's env in the bench: a fresh secret per run, shared by the app and the token fixture's routes. */
const appVars = (base) => ({
  ISSUER: base, FEDGATE_ENCRYPTION_KEY: b64url(32), ADMIN_BOOTSTRAP_TOKEN: b64url(33).slice(0, 43),
  SIGNING_ALG: "ES256", SERVER_TIMING: "on", LOG_LEVEL: "warn",
});
const SUITES = [
  { name: "main", config: CONFIG, routes: ROUTES, vars: appVars, store: STORE },
  { name: "resolution", title: "Domain resolution: readDomainMapping (cache=off) / resolveDomain (cache=on) over DurableObjectStore, bench/workers/domain-resolution.ts",
    config: join(ROOT, "bench/workers/domain-resolution.toml"), routes: RESOLUTION_ROUTES, vars: () => ({}), store: "durable-object" },
  // Every request comes from 127.0.0.1 without CF-Connecting-IP, so all share one rate-limit bucket: raise the
  // token limit (default 300/60s) far above the load but keep it on, so it is still counted on the path.
  // The same for the per-client token limit (RATE_LIMIT_CLIENT_TOKEN, default 600/60s): each row loads one client.
  // workerd serve has no rate-limit binding: bench/workers/rate-limiters.ts stands in, counting in memory.
  { name: "token", title: `Token endpoint (${STORE_TITLES[STORE]}): the real Worker (src/index.ts) with codes and refresh tokens issued by bench/workers/token.ts, ` +
      "token exchange against the IdP emulators (idp-fixtures, Miniflare; not measured); " +
      `RATE_LIMIT_TOKEN and RATE_LIMIT_CLIENT_TOKEN ${TOKEN_RATE_LIMIT}${TOKEN_RATE_LIMIT === "off" ? " (**not counted**)" : " (still counted, by in-memory stand-ins for the rate-limit bindings)"}; node-oidc-provider in Node alongside (bench/node-oidc-provider.mjs)`,
    store: STORE, config: join(ROOT, "bench/workers/token.toml"), routes: TOKEN_ROUTES, vars: (base) => ({ ...appVars(base), RATE_LIMIT_TOKEN: TOKEN_RATE_LIMIT, RATE_LIMIT_CLIENT_TOKEN: TOKEN_RATE_LIMIT }) },
  // Opt-in (BENCH_SUITES=scale): users over one project and over 20, Durable Object spread (bench/scale.mjs). The token suite's env.
  scaleSuite({ root: ROOT, vars: (base) => ({ ...appVars(base), RATE_LIMIT_TOKEN: TOKEN_RATE_LIMIT, RATE_LIMIT_CLIENT_TOKEN: TOKEN_RATE_LIMIT }) }),
].filter((s) => (process.env.BENCH_SUITES ?? "main,resolution,token").split(",").map((x) => x.trim()).includes(s.name));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
const b64url = (n) => randomBytes(n).toString("base64url");

let server;
let upstash; // the running Upstash bridge (BENCH_STORE=upstash), one per suite
const cleanup = () => { server?.stop(); for (const stop of stops) stop(); };
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { cleanup(); stopEmulators().finally(() => process.exit(130)); });

/**
 * Runs autocannon and reads workerd's CPU ticks around it; also those of the process groups in `watch`
 * ({ name: pgid }: the Upstash store's processes), this process's CPU (the load generator) and the wall time.
 */
async function load(pid, row, opts, watch = {}) {
  const w0 = Object.fromEntries(Object.entries(watch).map(([name, pgid]) => [name, cpuTicks(pgid)]));
  const c0 = process.cpuUsage();
  const start = performance.now();
  const t0 = cpuTicks(pid);
  const { base, path, method = "GET", headers, body, requests } = row;
  const run = autocannon({ url: base + path, method, headers, body, requests, ...opts });
  // autocannon's own histogram has 1 ms resolution; keep the exact latencies for sub-ms percentiles.
  const lat = [];
  run.on("response", (_client, _status, _bytes, ms) => lat.push(ms));
  const r = await run;
  const ticks = cpuTicks(pid) - t0;
  const wallS = (performance.now() - start) / 1000;
  const c1 = process.cpuUsage(c0);
  const watched = { ...Object.fromEntries(Object.entries(watch).map(([name, pgid]) => [name, cpuTicks(pgid) - w0[name]])),
    "load generator (autocannon, this Node process)": ((c1.user + c1.system) / 1e6) * CLK_TCK };
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  const ok = (code) => (row.expect ? row.expect.includes(Number(code)) : code >= 200 && code < 300);
  const bad = Object.entries(r.statusCodeStats).reduce((n, [code, s]) => n + (ok(code) ? 0 : s.count), 0);
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([c, s]) => [c, s.count]));
  return { r, ticks, watched, wallS, total: r.requests.total, bad, p50: pct(50), p99: pct(99), statusCodes };
}

/** Bundles, serves and loads one suite; stops its workerd process before returning. */
async function runSuite(suite) {
  console.error(`\n== suite ${suite.name}: bundling ${suite.config} ...`);
  const b = bundle(suite.config, PROFILE ? { minify: false } : {});
  const bundleLine = `bundle: ${b.mainModule} ${b.rawBytes} bytes raw, ${(b.gzipBytes / 1024).toFixed(2)} KiB gzip (zlib level 9)` +
    (b.wrangler ? `; wrangler: ${b.wrangler}` : "");

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const notes = [];
  const note = (text) => { console.error(text); notes.push(text); };
  let vars = suite.vars(base);
  let watch = {}; // the store's processes, whose CPU is read apart from workerd's
  if (suite.store === "upstash") {
    upstash = await startBenchUpstash();
    stops.add(upstash.stop);
    vars = { ...vars, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token };
    watch = { "Upstash bridge": upstash.pid, ...(upstash.redisPid ? { "redis-server": upstash.redisPid } : {}) };
    note(`store: Upstash REST bridge (test/helpers/upstash-bridge.ts, Node ${upstash.node}, pid ${upstash.pid}) at ${upstash.url} → ` +
      `redis-server (pid ${upstash.redisPid}) db ${upstash.db}, emptied (FLUSHDB) before the suite; its processes' CPU is not in the CPU column`);
  }
  const inspectorPort = PROFILE ? await freePort() : undefined;
  server = serve(b, port, vars, { inspectorPort });
  await waitHealthy(base, server);
  const profiler = inspectorPort ? await connectProfiler(inspectorPort) : undefined;
  console.error(`workerd pid ${server.pid} on ${base} (log: ${server.logPath})`);

  // Setup, warm-up (the first JWKS request creates the signing keys) and one Server-Timing probe per row.
  const rows = [];
  for (const route of suite.routes) {
    const row = { ...route, base, ...(await route.setup?.({ base, vars, fetch, note })) };
    await row.prepare?.({ connections: 1, amount: WARMUP });
    let res;
    for (let i = 0; i < WARMUP; i++) {
      const { path, method = "GET", headers, body } = row.nextRequest?.() ?? row;
      res = await fetch(row.base + path, { method, headers, body }); // row.base: an external row serves elsewhere
      const text = await res.text();
      row.onResponse?.(res.status, text);
    }
    if (!(row.expect ? row.expect.includes(res.status) : res.ok)) console.error(`!!! ${row.name}: warm-up answered ${res.status}`);
    const serverTiming = res.headers.get("server-timing");
    rows.push({ row, serverTiming, storeRT: row.external ? null : storeRoundTrips(serverTiming), runs: [], seq: null });
  }

  // Rows alternate within each round, all in the same workerd process, so they share its warm state.
  // prepare() runs before load() reads workerd's CPU: issuing codes and tokens is not part of a row's figures.
  const stats = async () => (suite.name === "token" ? await (await fetch(`${base}/__bench/stats`)).json() : {});
  /** Adds to the row what the fixture Worker counted since `before`: upstream fetches and (Upstash) store HTTP requests. */
  const count = (x, before, after) => {
    x.upstreamFetches = (x.upstreamFetches ?? 0) + (after.upstreamFetches ?? 0) - (before.upstreamFetches ?? 0);
    x.storeFetches = (x.storeFetches ?? 0) + (after.storeFetches ?? 0) - (before.storeFetches ?? 0);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const x of rows) {
      await x.row.prepare?.({ connections: CONNECTIONS, duration: SECONDS });
      console.error(`round ${round + 1}/${ROUNDS}: ${x.row.name} (${SECONDS} s x ${CONNECTIONS} connections)`);
      const before = await stats();
      const profiling = profiler && !x.row.external;
      if (profiling) await profiler.start();
      const run = await load(x.row.external?.pid ?? server.pid, x.row, { connections: CONNECTIONS, duration: SECONDS }, x.row.external ? {} : watch);
      if (profiling) {
        const file = join(OUT, `profile-${suite.name}-${rows.indexOf(x)}.cpuprofile`);
        const profile = await profiler.stop();
        writeFileSync(file, JSON.stringify(profile));
        note(`profile of ${x.row.name}, round ${round + 1}: ${file}\n${summarize(profile, join(b.dist, b.mainModule))}`);
      }
      count(x, before, await stats());
      x.runs.push(run);
      await x.row.finish?.({ seconds: SECONDS, total: run.total, reqPerSec: run.r.requests.average, p50: run.p50, p99: run.p99 });
    }
  }
  // Second CPU figure: one connection, sequential — the per-request cost without the batching a busy event loop gets.
  if (SEQ > 0) for (const x of rows) {
    await x.row.prepare?.({ connections: 1, amount: SEQ });
    const before = await stats();
    x.seq = await load(x.row.external?.pid ?? server.pid, x.row, { connections: 1, amount: SEQ }, x.row.external ? {} : watch);
    count(x, before, await stats());
    await x.row.finish?.({ total: x.seq.total });
  }
  if (suite.name === "token") {
    const { audit } = await stats();
    if (audit) note(`audit events through the queue's stand-in (bench/workers/audit-queue.ts): ${audit.sent.toLocaleString("en-US")} sent, ` +
      `${audit.batches.toLocaleString("en-US")} batches to the product's queue handler (${(audit.sent / Math.max(1, audit.batches)).toFixed(0)} per batch), ${audit.backlog} not yet delivered`);
    for (const x of rows) {
      if (!x.row.external) note(`${x.row.name}: ${x.upstreamFetches} upstream (outbound) fetches during its loads (PERF.md: none on a warm path: ${x.upstreamFetches === 0 ? "met" : "**not met**"})`);
    }
  }
  if (suite.store === "upstash") {
    // Where the CPU went during each row's concurrent loads: the process that is busiest relative to the others
    // sets the req/s (2 cores shared by all of them), and its figure is the one to read req/s against.
    for (const x of rows) {
      if (x.row.external) continue;
      const total = x.runs.reduce((n, run) => n + run.total, 0);
      const wallS = x.runs.reduce((n, run) => n + run.wallS, 0);
      const ticks = { workerd: x.runs.reduce((n, run) => n + run.ticks, 0) };
      for (const run of x.runs) for (const [name, t] of Object.entries(run.watched)) ticks[name] = (ticks[name] ?? 0) + t;
      const parts = Object.entries(ticks).map(([name, t]) =>
        `${name} ${((t * 1000) / CLK_TCK / total).toFixed(3)} ms/req (${((t / CLK_TCK / wallS) * 100).toFixed(0)}% of a core)`);
      const requests = total + (x.seq?.total ?? 0);
      note(`${x.row.name}: CPU during its concurrent loads: ${parts.join(", ")}` +
        (suite.name === "token" ? `; ${(x.storeFetches / requests).toFixed(2)} store HTTP requests (to the bridge) per request over all its loads` : ""));
    }
  }

  const sum = (xs, fn) => xs.reduce((n, x) => n + fn(x), 0);
  const cpuMs = (runs) => (sum(runs, (x) => x.ticks) * 1000) / CLK_TCK / sum(runs, (x) => x.total);
  const results = rows.map(({ row, serverTiming, storeRT, runs, seq }) => ({
    suite: suite.name,
    store: row.external ? null : suite.store,
    route: row.name,
    method: row.method ?? "GET",
    path: row.path,
    reqPerSec: median(runs.map((x) => x.r.requests.average)),
    p50Ms: median(runs.map((x) => x.p50)),
    p99Ms: median(runs.map((x) => x.p99)),
    cpuMsPerReq: cpuMs(runs),
    cpuMsPerReqSequential: seq ? cpuMs([seq]) : null,
    storeRoundTrips: storeRT,
    serverTiming,
    requests: sum(runs, (x) => x.total),
    non2xx: sum([...runs, ...(seq ? [seq] : [])], (x) => x.bad),
    errors: sum([...runs, ...(seq ? [seq] : [])], (x) => x.r.errors + x.r.timeouts),
    statusCodes: [...runs, ...(seq ? [seq] : [])].map((x) => x.statusCodes),
    ...row.resultFields?.(), // a suite's own figures (the scale suite's Durable Object spread)
  }));

  const floor = results.find((x, i) => rows[i].row.floor);
  if (floor) for (const [i, x] of results.entries()) {
    if (x === floor || rows[i].row.external) continue;
    const share = x.reqPerSec / floor.reqPerSec;
    const target = rows[i].row.floorTarget;
    note(`${x.route}: ${(share * 100).toFixed(0)}% of the floor's req/s, ${(x.cpuMsPerReq / floor.cpuMsPerReq).toFixed(1)}× its CPU/req` +
      (target ? ` (PERF.md target ≥ ${(target * 100).toFixed(0)}%: ${share >= target ? "met" : "**not met**"})` : ""));
  }
  for (const [i, x] of results.entries()) {
    const other = rows[i].row.compareTo && results.find((y) => y.route === rows[i].row.compareTo);
    if (!other) continue;
    const ratio = other.reqPerSec / x.reqPerSec;
    note(`${other.route}: ${ratio.toFixed(2)}× the req/s of ${x.route} (PERF.md target ≥ 1.3×: ${ratio >= 1.3 ? "met" : "**not met**"}), ` +
      `${(other.cpuMsPerReq / x.cpuMsPerReq).toFixed(2)}× its CPU/req (concurrent), ${(other.cpuMsPerReqSequential / x.cpuMsPerReqSequential).toFixed(2)}× (sequential)`);
  }

  profiler?.close();
  for (const x of rows) if (x.row.external) { x.row.external.stop(); stops.delete(x.row.external.stop); }
  if (upstash) { upstash.stop(); stops.delete(upstash.stop); upstash = undefined; }
  await stopEmulators();
  server.stop();
  server = undefined;
  const extra = suite.after?.({ results, note }); // a suite's own summary (the scale suite's side-by-side table)
  return { suite, b, bundleLine, notes, results, extra };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  if (SUITES.length === 0) throw new Error(`BENCH_SUITES=${process.env.BENCH_SUITES} names no suite (main, resolution, token, scale)`);
  // Codes live 60 s (src/oauth/codes.ts) and a load's pool is issued before it starts.
  if (SUITES.some((s) => s.name === "token") && SECONDS > 45) throw new Error(`BENCH_SECONDS=${SECONDS}: the token suite needs at most 45 (authorization codes live 60 s)`);
  const done = [];
  for (const suite of SUITES) done.push(await runSuite(suite));
  const results = done.flatMap((x) => x.results);

  const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, workerd: workerdVersion() };
  const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  console.log(`\n${new Date().toISOString()} · ${machine.nproc} CPUs (${machine.cpu}) · Node ${machine.node} · ${machine.workerd} · ` +
    `${CONNECTIONS} connections × ${SECONDS} s × ${ROUNDS} round(s) · CPU/req: concurrent run / ${SEQ} sequential requests (clock tick ${1000 / CLK_TCK} ms)`);
  for (const suite of done) {
    // The main suite prints as before (bundle line, table); other suites print a title and notes, no bundle line.
    if (suite.suite.name === "main") console.log(`${suite.bundleLine}${suite.suite.store === "upstash" ? `\n${STORE_TITLES.upstash}` : ""}\n`);
    else console.log(`\n${suite.suite.title}${suite.notes.map((n) => `\n- ${n}`).join("")}\n`);
    const cpuColumn = suite.suite.store === "upstash" ? "CPU ms/req (conc. / seq.; workerd only: the store runs in other processes)" : "CPU ms/req (conc. / seq.)";
    console.log(`| route | req/s | p50 ms | p99 ms | ${cpuColumn} | store RT/req | non-2xx |`);
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const x of suite.results) {
      const bad = x.non2xx || x.errors ? `**${x.non2xx} !!!${x.errors ? ` +${x.errors} errors` : ""}**` : "0";
      const cpu = `${f(x.cpuMsPerReq, 3)} / ${f(x.cpuMsPerReqSequential, 3)}`;
      console.log(`| ${x.route} | ${f(x.reqPerSec, 0)} | ${f(x.p50Ms)} | ${f(x.p99Ms)} | ${cpu} | ${x.storeRoundTrips ?? "n/a"} | ${bad} |`);
    }
    if (suite.extra) console.log(`\n${suite.extra}`);
  }
  const suites = done.map(({ suite, b, notes }) => ({
    name: suite.name, config: suite.config, store: suite.store, notes, bundle: { rawBytes: b.rawBytes, gzipBytes: b.gzipBytes, gzipLevel: 9, wrangler: b.wrangler },
  }));
  writeFileSync(join(OUT, "results.json"), JSON.stringify({
    date: new Date().toISOString(), machine, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, sequentialRequests: SEQ, clkTck: CLK_TCK,
    // config and bundle: the first suite's (the main Worker's unless BENCH_SUITES leaves it out); each row names its suite.
    config: suites[0]?.config, bundle: suites[0]?.bundle, suites, results,
  }, null, 2));

  const failed = results.filter((x) => x.non2xx || x.errors);
  for (const x of failed) console.error(`\n!!! ${x.route}: ${x.non2xx} unexpected statuses, ${x.errors} errors/timeouts — status codes ${JSON.stringify(x.statusCodes)}`);
  console.error(`\nresults: ${join(OUT, "results.json")}`);
  return failed.length ? 1 : 0;
}

main().then(async (code) => { cleanup(); await stopEmulators(); process.exit(code); },
  async (err) => { console.error(err?.stack ?? err); cleanup(); await stopEmulators(); process.exit(1); });
