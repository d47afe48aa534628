// The scale suite of `npm run bench` (BENCH_SUITES=scale): issue 12 item 6. bench/workers/scale.ts serves the real
// Worker over a STORE binding that counts store calls per Durable Object; this module builds its rows for run.mjs.
// - Two tenants, each BENCH_SCALE_USERS users (100,000): one project, and BENCH_SCALE_PROJECTS projects (20) with
//   an equal share each. Projects, providers, domains and clients are made through the admin API; users through the
//   real saveUser, as a first sign-in writes them (POST /__scale/seed), timed, their writes counted per Durable Object.
// - The upstream provider is the fixture Worker itself (kind oidc, issuer <base>/__scale/idp, linkBy email, its
//   domain mapped to it): its JWKS holds the public half of a P-256 key made here, and the harness mints the subject
//   tokens before each load (not measured): JWT access tokens of existing users (warm exchange: one user lookup by
//   external identity) and ID tokens of new people (first sign-in: the exchange creates the user).
// - Four rows: warm and first sign-in, over 1 project and over 20. After each load the fixture's per-object counts
//   give the busiest Durable Object's share of the load's store calls and writes; the suite ends with a table of
//   1 project vs 20 side by side (issue 12 targets: no object over 1/16 of a tenant's user writes; within 1.2×).
// Env: BENCH_SCALE_USERS (100000 per tenant), BENCH_SCALE_PROJECTS (20); a bigger run:
// BENCH_SCALE_USERS=1000000 BENCH_SECONDS=30 BENCH_SUITES=scale npm run bench.
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";

const USERS = Number(process.env.BENCH_SCALE_USERS ?? 100_000);
const PROJECTS = Number(process.env.BENCH_SCALE_PROJECTS ?? 20);
if (!(Number.isSafeInteger(USERS) && USERS >= PROJECTS && PROJECTS >= 2)) throw new Error(`BENCH_SCALE_USERS=${USERS}, BENCH_SCALE_PROJECTS=${PROJECTS}: need users ≥ projects ≥ 2`);
/** The issue's target: no Durable Object takes more than this share of a tenant's user writes. */
const MAX_OBJECT_SHARE = 1 / 16;
/** …and 1 project vs 20 within this factor. */
const MAX_RATIO = 1.2;
/** Users per /__scale/seed call. */
const SEED_CHUNK = 25_000;
/** Requests a pool is sized for before the first load has measured a rate (per second), and its margin. */
const FIRST_RATE = 1000;
const POOL_MARGIN = 2;

const pct = (x) => (x == null ? "n/a" : `${(x * 100).toFixed(1)}%`);
const n = (x) => x.toLocaleString("en-US");

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const APP = "scale-app"; // the migrating app's client id at the upstream provider
const API = "api://scale"; // the upstream access tokens' audience
const PROVIDER = "scale-idp";
const SCOPE = "openid email";

// The upstream provider's signing key: its public half is the fixture's JWKS (SCALE_IDP_JWK), its private half mints here.
const KID = `scale-${randomUUID().slice(0, 8)}`;
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const PUBLIC_JWK = JSON.stringify({ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "ES256", use: "sig" });
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const HEADER = b64({ alg: "ES256", kid: KID, typ: "JWT" });
function mint(payload) {
  const input = `${HEADER}.${b64(payload)}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}
const now = () => Math.floor(Date.now() / 1000);
const accessToken = (issuer, sub) => mint({ iss: issuer, sub, aud: API, client_id: APP, iat: now(), exp: now() + 3600, jti: randomUUID() });
const idToken = (issuer, sub, email) => mint({ iss: issuer, sub, aud: APP, iat: now(), exp: now() + 600, jti: randomUUID(), email, email_verified: true, name: sub });

async function call(base, method, path, { token, body } = {}) {
  const res = await fetch(base + path, {
    method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A project as an operator would set it up: the provider (its domain mapped to it) and the migrating app's client. */
async function createProject(base, operator, name, domain) {
  const { project } = await call(base, "POST", "/admin/v1/projects", { token: operator, body: { name } });
  const at = `/admin/v1/projects/${project.id}`;
  await call(base, "POST", `${at}/providers`, { token: operator, body: {
    id: PROVIDER, name: "scale upstream (fixture)", kind: "oidc", issuer: `${base}/__scale/idp`, clientId: APP,
    linkBy: "email", createUsers: true, exchange: { audiences: [API], clientIds: [APP] },
  } });
  await call(base, "POST", `${at}/domains`, { token: operator, body: { domain, providerId: PROVIDER } });
  const { client, clientSecret } = await call(base, "POST", `${at}/clients`, { token: operator, body: {
    name: "scale migrating app", kind: "confidential", redirectUris: [], grantTypes: [TOKEN_EXCHANGE], scopes: ["openid", "email"],
  } });
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
  return { id: project.id, domain, clientId: client.id, authorization, users: 0, fresh: 0 };
}

/** Store calls per Durable Object since the last reset, summed and ranked. */
async function spread(base) {
  const { objects } = await call(base, "GET", "/__scale/calls");
  const rows = Object.entries(objects).map(([name, x]) => ({ name, ...x, calls: x.reads + x.writes }));
  const total = rows.reduce((n, x) => n + x.calls, 0);
  const writes = rows.reduce((n, x) => n + x.writes, 0);
  const byCalls = rows.toSorted((a, b) => b.calls - a.calls)[0];
  const byWrites = rows.toSorted((a, b) => b.writes - a.writes)[0];
  /** The object's calls by StoreObject method, most first: "getByIndex 1,200, write 600". */
  const methods = (x) => Object.entries(x.methods).sort((a, b) => b[1] - a[1]).map(([m, k]) => `${m} ${n(k)}`).join(", ");
  return {
    objects: rows.length, objectsWritten: rows.filter((x) => x.writes > 0).length, calls: total, writes,
    busiestByCalls: byCalls ? { name: byCalls.name, calls: byCalls.calls, share: byCalls.calls / total, methods: methods(byCalls) } : null,
    busiestByWrites: byWrites && writes ? { name: byWrites.name, writes: byWrites.writes, share: byWrites.writes / writes, methods: methods(byWrites) } : null,
  };
}

/** Seeds a project's next `count` users (saveUser, as a first sign-in), in chunks. */
async function seedProject(base, project, count) {
  for (let done = 0; done < count; done += SEED_CHUNK) {
    await call(base, "POST", "/__scale/seed", { body: { projectId: project.id, providerId: PROVIDER, domain: project.domain, from: project.users, count: Math.min(SEED_CHUNK, count - done) } });
    project.users += Math.min(SEED_CHUNK, count - done);
  }
}

/** Seeds a tenant and notes how long it took and where its user writes went (each project's own, then the worst). */
async function seedTenant(base, tenant, note) {
  const per = Math.floor(USERS / tenant.projects.length);
  const t0 = performance.now();
  let worst = null;
  let writes = 0;
  for (const project of tenant.projects) {
    await call(base, "POST", "/__scale/calls/reset");
    await seedProject(base, project, per);
    const s = await spread(base);
    writes += s.writes;
    if (!worst || (s.busiestByWrites?.share ?? 0) > (worst.busiestByWrites?.share ?? 0)) worst = s;
  }
  const seconds = (performance.now() - t0) / 1000;
  tenant.seeding = { users: per * tenant.projects.length, seconds, writes, worstProject: worst };
  const share = worst.busiestByWrites?.share;
  note(`${tenant.label}: seeded ${n(per * tenant.projects.length)} users (${n(per)} per project; saveUser as a first sign-in writes them, 256 in flight) ` +
    `in ${seconds.toFixed(1)} s (${n(Math.round((per * tenant.projects.length) / seconds))} users/s; ${n(writes)} store writes); a project's user writes ` +
    `went to ${worst.objectsWritten} Durable Object(s), the busiest taking ${pct(share)} (${worst.busiestByWrites?.name}: ${worst.busiestByWrites?.methods}; ` +
    `issue 12 target ≤ ${pct(MAX_OBJECT_SHARE)}: ${share <= MAX_OBJECT_SHARE ? "met" : "**not met**"})`);
}

const fixtures = new Map(); // base → promise of both tenants, created and seeded
function fixture(base, vars, note) {
  if (!fixtures.has(base)) fixtures.set(base, (async () => {
    const operator = vars.ADMIN_BOOTSTRAP_TOKEN;
    const issuer = `${base}/__scale/idp`;
    const one = { label: "1 project", issuer, projects: [await createProject(base, operator, "scale solo", "solo.scale.example")] };
    const many = { label: `${PROJECTS} projects`, issuer, projects: [] };
    for (let k = 0; k < PROJECTS; k++) many.projects.push(await createProject(base, operator, `scale ${k}`, `p${k}.scale.example`));
    for (const tenant of [one, many]) await seedTenant(base, tenant, note);
    return { one, many };
  })());
  return fixtures.get(base);
}

/** Checks one exchange end to end: 200, an ES256 at+jwt from this issuer for the client, `sub` the user linked to the upstream subject. */
async function checkExchange(base, project, request, subject) {
  const res = await fetch(`${base}/oauth2/token`, request);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`scale: token exchange for ${subject} answered ${res.status}: ${text}`);
  const user = await call(base, "GET", `/__scale/user?project=${project.id}&provider=${PROVIDER}&subject=${encodeURIComponent(subject)}`);
  const jwks = createLocalJWKSet(await call(base, "GET", "/.well-known/jwks.json"));
  const { payload } = await jwtVerify(JSON.parse(text).access_token, jwks, { issuer: base, audience: project.clientId, typ: "at+jwt", algorithms: ["ES256"] });
  if (payload.sub !== user.userId || payload.client_id !== project.clientId) throw new Error(`scale: access token ${JSON.stringify(payload)} for user ${JSON.stringify(user)}`);
  return user;
}

const tokenRequest = (project, subjectToken, type) => ({
  method: "POST", path: "/oauth2/token",
  headers: { authorization: project.authorization, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: `urn:ietf:params:oauth:token-type:${type}`, scope: SCOPE }).toString(),
});

/** Existing users of a tenant in a random order without repeats (a partial Fisher-Yates per draw), all projects interleaved. */
function userOrder(tenant) {
  const per = tenant.projects[0].users;
  const total = per * tenant.projects.length;
  const order = new Int32Array(total).map((_, i) => i);
  let next = 0;
  return () => {
    if (next === total) next = 0; // a full cycle: start over (users repeat only after all were used)
    const j = next + Math.floor(Math.random() * (total - next));
    [order[next], order[j]] = [order[j], order[next]];
    const i = order[next++];
    return { project: tenant.projects[i % tenant.projects.length], subject: `u${Math.floor(i / tenant.projects.length)}` };
  };
}

/** What every row's pool does: sized from the best rate seen, refilled before each load, spread counted after it. */
function scaleRow({ name, tenantOf, kind, rows }) {
  return {
    name, method: "POST", path: "/oauth2/token",
    async setup({ base, vars, note }) {
      const tenant = tenantOf(await fixture(base, vars, note));
      const draw = kind === "warm" ? userOrder(tenant) : null;
      /** The next request: a warm row's for an existing user; a first sign-in's for a new person, never seen before. */
      const fresh = () => {
        if (draw) {
          const { project, subject } = draw();
          return { project, subject, request: tokenRequest(project, accessToken(tenant.issuer, subject), "access_token") };
        }
        const project = tenant.projects[Math.floor(Math.random() * tenant.projects.length)];
        const subject = `n${project.fresh++}`;
        return { project, subject, request: tokenRequest(project, idToken(tenant.issuer, subject, `${subject}@${project.domain}`), "id_token") };
      };
      const first = fresh();
      const user = await checkExchange(base, first.project, first.request, first.subject);
      note(`${name}: checked once: 200, ES256 at+jwt for the client, sub = the user ${kind === "warm" ? "seeded" : "just created"} for upstream subject ${first.subject} (${user.email})`);
      let pool = [];
      let next = 0;
      let dry = 0;
      let rate = FIRST_RATE;
      const nextRequest = () => {
        if (next < pool.length) return pool[next++];
        dry += 1;
        return fresh().request; // minted on the load's path: counted as dry below
      };
      const requests = [{ method: "POST", setupRequest: (req) => ({ ...req, ...nextRequest() }) }];
      const row = { name, kind, tenant, runs: [] };
      rows.push(row);
      return {
        requests, nextRequest,
        async prepare({ connections, duration, amount }) {
          const count = amount ? amount + connections : Math.ceil(rate * duration * POOL_MARGIN) + 2 * connections;
          pool = Array.from({ length: count }, () => fresh().request);
          next = 0;
          dry = 0;
          await call(base, "POST", "/__scale/calls/reset");
        },
        async finish({ seconds, total, reqPerSec, p50, p99 }) {
          const s = await spread(base);
          if (seconds) {
            rate = Math.max(rate, reqPerSec);
            row.runs.push({ reqPerSec, p50, p99, spread: s });
          }
          note(`${name}, ${seconds ? `${seconds} s load` : `${total} sequential`}: ${n(s.calls)} store calls (${n(s.writes)} writes) over ${s.objects} Durable Objects ` +
            `(${s.objectsWritten} written); busiest: ${pct(s.busiestByCalls?.share)} of calls (${s.busiestByCalls?.name}: ${s.busiestByCalls?.methods}), ` +
            `${pct(s.busiestByWrites?.share)} of writes (${s.busiestByWrites?.name}: ${s.busiestByWrites?.methods})` +
            `${dry ? `; **pool ran dry: ${dry} tokens minted during the load**` : ""}`);
        },
        resultFields: () => ({ scale: { tenant: tenant.label, projects: tenant.projects.length, users: tenant.seeding.users, kind, spread: row.runs.at(-1)?.spread ?? null } }),
      };
    },
  };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };

/** The side-by-side table: each load over 1 project and over PROJECTS, with the busiest object's shares. */
function sideBySide(rows, note) {
  const lines = [
    `Scale: the same load over 1 project and over ${PROJECTS} projects (${n(USERS)} users each side; medians of the concurrent loads; busiest object: of that load's store calls / writes)`,
    "",
    "| load | projects | req/s | p50 ms | p99 ms | objects | busiest object: calls | busiest object: writes | a project's user writes on its busiest object (seeding) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const kind of ["warm", "create"]) {
    const pair = rows.filter((r) => r.kind === kind && r.runs.length);
    for (const r of pair) {
      const s = r.runs.at(-1).spread;
      const seeding = r.tenant.seeding.worstProject.busiestByWrites?.share;
      lines.push(`| ${kind === "warm" ? "token exchange, existing user" : "first sign-in (creates the user)"} | ${r.tenant.projects.length} | ` +
        `${median(r.runs.map((x) => x.reqPerSec)).toFixed(0)} | ${median(r.runs.map((x) => x.p50)).toFixed(2)} | ${median(r.runs.map((x) => x.p99)).toFixed(2)} | ` +
        `${s.objects} | ${pct(s.busiestByCalls?.share)} | ${pct(s.busiestByWrites?.share)} | ${pct(seeding)} |`);
    }
    if (pair.length === 2) {
      const [a, b] = pair.map((r) => median(r.runs.map((x) => x.reqPerSec)));
      const ratio = Math.max(a, b) / Math.min(a, b);
      note(`${kind === "warm" ? "warm exchange" : "first sign-in"}: ${PROJECTS} projects ${(b / a).toFixed(2)}× the req/s of 1 project (target within ${MAX_RATIO}×: ${ratio <= MAX_RATIO ? "met" : "**not met**"})`);
    }
  }
  return lines.join("\n");
}

/** The suite for run.mjs; `vars(base)` is the token suite's env (the Worker's vars and its token rate limits). */
export function scaleSuite({ root, vars }) {
  const rows = [];
  const routes = [
    scaleRow({ name: `POST /oauth2/token exchange, existing user (warm), 1 project × ${n(USERS)} users`, tenantOf: (f) => f.one, kind: "warm", rows }),
    scaleRow({ name: `POST /oauth2/token exchange, existing user (warm), ${PROJECTS} projects × ${n(Math.floor(USERS / PROJECTS))} users`, tenantOf: (f) => f.many, kind: "warm", rows }),
    scaleRow({ name: "POST /oauth2/token exchange, first sign-in (creates the user), 1 project", tenantOf: (f) => f.one, kind: "create", rows }),
    scaleRow({ name: `POST /oauth2/token exchange, first sign-in (creates the user), ${PROJECTS} projects`, tenantOf: (f) => f.many, kind: "create", rows }),
  ];
  return {
    name: "scale",
    title: `Scale (bench/workers/scale.ts): the real Worker, store: Durable Objects (SQLite) inside the workerd process, every store call counted per object; ` +
      `${n(USERS)} users over 1 project and over ${PROJECTS}; subject tokens minted by the harness for an upstream provider the fixture serves (kind oidc, linkBy email, domain mapped)`,
    config: join(root, "bench/workers/scale.toml"), store: "durable-object", routes,
    vars: (base) => ({ ...vars(base), SCALE_IDP_JWK: PUBLIC_JWK }),
    after: ({ note }) => sideBySide(rows, note),
  };
}
