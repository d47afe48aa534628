/**
 * Benchmark fixture, not product code: the real Worker (src/index.ts, so every route, middleware,
 * rate limit and Server-Timing header is the product's) plus fixture-only routes under /__bench/
 * that prepare data directly through the real store port and registry code, without an HTTP
 * sign-in, so that `npm run bench` can load `POST /oauth2/token` with single-use codes and refresh
 * tokens. Served only by `workerd serve` (bench/run.mjs, suite "token").
 *
 *   POST /__bench/setup                   a project, a confidential client (authorization_code +
 *                                         refresh_token, redirect URI https://bench.example/cb) and a
 *                                         user; created once per isolate, then reused:
 *                                         { projectId, clientId, clientSecret, userId, verifier, redirectUri }
 *   POST /__bench/codes?count=<n>         n codes from issueCode (scope openid email offline_access,
 *                                         S256 challenge of the fixed verifier): { codes, verifier }
 *   POST /__bench/refresh-tokens?count=<n> n refresh tokens, each of a grant recorded by Grants.record: { tokens }
 *   POST /__bench/client-credentials      (after setup) a confidential machine client in the fixture's project:
 *                                         grant client_credentials only, scopes read:devices write:results,
 *                                         audience https://api.bench.example; created once per isolate:
 *                                         { clientId, clientSecret, scopes, audience }
 *   POST /__bench/exchange-setup          (after setup) body { origin, okta: { clientId, clientSecret }, google: { … } }:
 *                                         the token-exchange rows' upstream providers in the fixture's project,
 *                                         kind okta at `${origin}/okta/oauth2/default` and kind google at
 *                                         `${origin}/google` (the IdP emulators the harness started; the given
 *                                         client is each emulator's "migrating app"), each trusting that
 *                                         client's tokens (okta: JWT access tokens for api://default; google:
 *                                         opaque tokens, judged at tokeninfo), and a confidential client with
 *                                         only the token-exchange grant; created once per isolate:
 *                                         { clientId, clientSecret, scopes, providers: { okta, google } }
 *   GET  /__bench/exchange-user?provider=<id>&subject=<sub>
 *                                         the platform user an exchange linked to that upstream subject
 *                                         (findUserByExternalId): { userId, email }, 404 before the first exchange
 *   POST /__bench/sign                    the floor of any token response: parse a form, sign one
 *                                         ES256 access token with the real active key (no store call
 *                                         once the key set is cached), as PERF.md describes
 *   GET  /__bench/stats                   { upstreamFetches, storeFetches, audit }: outbound fetches since the isolate
 *                                         started, apart from those to the Upstash store (BENCH_STORE=upstash),
 *                                         which are counted in storeFetches; audit: { sent, batches, backlog } of
 *                                         the audit queue's stand-in (audit-queue.ts)
 *
 * Every other request goes to the product's handler, with the same env, so the fixture routes and
 * the app share FEDGATE_ENCRYPTION_KEY (client secret hashes, refresh-token MACs) and the store. The
 * env adds what `workerd serve` cannot configure (stand-ins.ts): the rate-limit tier bindings and the
 * audit queue, whose due batches go to the product's queue handler.
 */
import { base64url } from "jose";
import worker from "../../src/index";
import { configOf } from "../../src/config";
import type { Bindings } from "../../src/env";
import { services } from "../../src/context";
import { findUserByExternalId, saveUser, type User } from "../../src/identity/users";
import { newClientId, newProjectId, newProviderId, newUserId } from "../../src/ids";
import { issueCode, type AuthorizationCode } from "../../src/oauth/codes";
import { formParameters } from "../../src/oauth/form";
import type { Client } from "../../src/registry/clients";
import type { Project } from "../../src/registry/projects";
import { forgetProjectProviders, sealContext, type Provider } from "../../src/registry/providers";
import { TOKEN_EXCHANGE } from "../../src/oauth/grants/token-exchange";
import { Sealer } from "../../src/security/encryption";
import { generateSecret, hashSecret } from "../../src/security/secrets";
import * as keys from "../../src/store/keys";
import { openStore } from "../../src/store/open";
import type { Store } from "../../src/store/store";
import { mintAccessToken } from "../../src/tokens/jwt";
import { Grants, type GrantInput } from "../../src/tokens/grants";
import { withStandIns } from "./stand-ins";

// The runtime instantiates the store's Durable Object class from the Worker's exports.
export { StoreObject } from "../../src/store/durable-object";

const REDIRECT_URI = "https://bench.example/cb";
const SCOPE = ["openid", "email", "offline_access"];
/** A fixed PKCE verifier (RFC 7636 §4.1: 43-128 unreserved characters); every code carries its S256 challenge. */
const VERIFIER = "fedgate-bench-pkce-verifier-0123456789-abcdefghijklmnop";
/** Bounds one /__bench/codes or /__bench/refresh-tokens call; the harness asks in batches. */
const MAX_COUNT = 20_000;
/** Writes in flight at once while issuing: parallel RPCs spread over the store's shards. */
const ISSUE_BATCH = 1000;

interface Fixture {
  projectId: string;
  clientId: string;
  clientSecret: string;
  userId: string;
  user: AuthorizationCode["user"];
  providerId: string;
  refreshTokenSeconds: number;
}

/** Created by the first /__bench/setup of this isolate; a settled value only (src/cache.ts says why). */
let fixture: Fixture | undefined;

/** The client_credentials row's machine client, as a device or server would register it. */
const MACHINE_SCOPES = ["read:devices", "write:results"];
const MACHINE_AUDIENCE = "https://api.bench.example";
interface MachineFixture {
  clientId: string;
  clientSecret: string;
}
/** Created by the first /__bench/client-credentials of this isolate. */
let machineFixture: MachineFixture | undefined;

/** The token-exchange rows' client and providers (README "Migrating an existing app"). */
const EXCHANGE_SCOPES = ["openid", "email", "orders:read"];
const EXCHANGE_PROVIDERS = { okta: "okta", google: "google" } as const;
interface ExchangeFixture {
  clientId: string;
  clientSecret: string;
}
/** Created by the first /__bench/exchange-setup of this isolate. */
let exchangeFixture: ExchangeFixture | undefined;
interface UpstreamClient {
  clientId: string;
  clientSecret: string;
}

/** Outbound fetches from this isolate: a warm token request must make none (issue 5). */
let upstreamFetches = 0;
/**
 * With the Upstash store (BENCH_STORE=upstash), its REST calls are fetches too: they are the store's round trips,
 * not upstream calls, so they are counted apart. The store's URL is read from the env of the first request
 * ("" without Upstash).
 */
let storeUrl: string | undefined;
let storeFetches = 0;
const runtimeFetch = globalThis.fetch;
globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (storeUrl && (url === storeUrl || url.startsWith(`${storeUrl}/`))) storeFetches += 1;
  else upstreamFetches += 1;
  return runtimeFetch(input, init);
}) as typeof fetch;

const now = (): string => new Date().toISOString();

async function s256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** The bench clients' refresh-token lifetime (30 days, the admin API's default). */
const REFRESH_TOKEN_SECONDS = 2_592_000;

/** A confidential client written as the admin API writes one (secret as HMAC); returns its id and secret. */
async function saveConfidentialClient(
  store: Store, encryptionKey: Uint8Array, projectId: string,
  settings: Pick<Client, "name" | "redirectUris" | "grantTypes" | "scopes"> & Partial<Pick<Client, "audiences">>,
): Promise<{ clientId: string; clientSecret: string }> {
  const at = now();
  const clientSecret = generateSecret();
  const client: Client = {
    id: newClientId(projectId), projectId, kind: "confidential", ...settings,
    secretHash: await hashSecret(encryptionKey, clientSecret), secretRotatedAt: at, postLogoutRedirectUris: [],
    tokenLifetimes: { accessTokenSeconds: 3600, idTokenSeconds: 3600, refreshTokenSeconds: REFRESH_TOKEN_SECONDS },
    providerId: null, ipRules: { allow: [], deny: [] }, createdAt: at, updatedAt: at,
  };
  if (!(await store.set(keys.client(projectId, client.id), client, { ifAbsent: true })).ok) throw new Error("client id collision");
  return { clientId: client.id, clientSecret };
}

/** Writes the project, client and user with the shapes and keys the admin API uses. */
async function createFixture(store: Store, encryptionKey: Uint8Array): Promise<Fixture> {
  const at = now();
  const project: Project = { id: newProjectId(), name: "bench", ipRules: { allow: [], deny: [] }, createdAt: at, updatedAt: at };
  if (!(await store.set(keys.project(project.id), project, { ifAbsent: true })).ok) throw new Error("project id collision");

  const { clientId, clientSecret } = await saveConfidentialClient(store, encryptionKey, project.id, {
    name: "bench confidential client", redirectUris: [REDIRECT_URI],
    grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
  });

  const providerId = newProviderId();
  const user: User = {
    id: newUserId(),
    projectId: project.id,
    email: "bench.user@bench.example",
    emailVerified: true,
    name: "Bench User",
    externalIds: [{ providerId, subject: "bench-subject-1" }],
    disabled: false,
    createdAt: at,
    updatedAt: at,
  };
  const written = await saveUser(store, user);
  if (!written.ok) throw new Error(`user conflict on ${written.conflict}`);

  return {
    projectId: project.id, clientId, clientSecret, userId: user.id, providerId, refreshTokenSeconds: REFRESH_TOKEN_SECONDS,
    user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name },
  };
}

/** A confidential client with only the client_credentials grant, written as the admin API writes one. */
async function createMachineClient(store: Store, encryptionKey: Uint8Array, projectId: string): Promise<MachineFixture> {
  return saveConfidentialClient(store, encryptionKey, projectId, {
    name: "bench machine client", redirectUris: [], grantTypes: ["client_credentials"], scopes: MACHINE_SCOPES, audiences: [MACHINE_AUDIENCE],
  });
}

/**
 * The two upstream providers, written as the admin API writes them (secret sealed for `provider-secret:<id>`),
 * and a confidential client with only the token-exchange grant. The project's provider list is cached per
 * isolate for 30 s (findProjectProviders): it is forgotten here, as the admin API does, before any exchange.
 */
async function createExchangeFixture(store: Store, encryptionKey: Uint8Array, projectId: string, origin: string, upstream: Record<"okta" | "google", UpstreamClient>): Promise<ExchangeFixture> {
  const at = now();
  const sealer = new Sealer(encryptionKey);
  const provider = async (id: string, kind: "okta" | "google", issuer: string, exchange: Provider["exchange"]): Promise<void> => {
    const record: Provider = {
      id, projectId, name: `bench ${kind} (IdP emulator)`, kind, issuer, clientId: upstream[kind].clientId,
      clientSecretSealed: await sealer.seal(upstream[kind].clientSecret, sealContext(id)),
      scopes: ["openid", "email", "profile"], linkBy: "email", createUsers: true, exchange, createdAt: at, updatedAt: at,
    };
    if (!(await store.set(keys.provider(projectId, id), record, { ifAbsent: true })).ok) throw new Error(`provider ${id} exists`);
  };
  await provider(EXCHANGE_PROVIDERS.okta, "okta", `${origin}/okta/oauth2/default`,
    { audiences: ["api://default"], clientIds: [upstream.okta.clientId], acceptOpaqueTokens: false });
  await provider(EXCHANGE_PROVIDERS.google, "google", `${origin}/google`,
    { audiences: [], clientIds: [upstream.google.clientId], acceptOpaqueTokens: true });
  forgetProjectProviders(projectId);

  return saveConfidentialClient(store, encryptionKey, projectId, {
    name: "bench migrating app (token exchange)", redirectUris: [], grantTypes: [TOKEN_EXCHANGE], scopes: EXCHANGE_SCOPES,
  });
}

/** The exchange-setup body: a loopback http origin (the emulators) and the two upstream clients. */
function exchangeSetupInput(body: unknown): { origin: string; upstream: Record<"okta" | "google", UpstreamClient> } | null {
  if (typeof body !== "object" || body === null) return null;
  const { origin, okta, google } = body as Record<string, unknown>;
  const isClient = (x: unknown): x is UpstreamClient =>
    typeof x === "object" && x !== null && typeof (x as UpstreamClient).clientId === "string" && typeof (x as UpstreamClient).clientSecret === "string";
  if (typeof origin !== "string" || !/^http:\/\/127\.0\.0\.1:\d+$/.test(origin) || !isClient(okta) || !isClient(google)) return null;
  return { origin, upstream: { okta, google } };
}

/** Runs `issue` count times, ISSUE_BATCH at once. */
async function issueMany<T>(count: number, issue: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += ISSUE_BATCH) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(ISSUE_BATCH, count - start) }, issue))));
  }
  return out;
}

function countOf(url: URL): number | Response {
  const count = Number(url.searchParams.get("count") ?? 1);
  return Number.isSafeInteger(count) && count >= 1 && count <= MAX_COUNT ? count : new Response(`count must be 1-${MAX_COUNT}`, { status: 400 });
}

async function bench(request: Request, env: Bindings, url: URL): Promise<Response> {
  const config = configOf(env);
  const store = openStore(config, env);
  const route = `${request.method} ${url.pathname}`;

  if (route === "GET /__bench/stats") return Response.json({ upstreamFetches, storeFetches, audit: product.auditStats() });

  if (route === "POST /__bench/sign") {
    // The floor: what every token response does at least (form, key from the isolate cache, one signature).
    const params = await formParameters(request);
    const signer = await services(env).signingKeys.signer();
    const access = await mintAccessToken(signer, {
      issuer: config.issuer, subject: params.get("sub") ?? "usr_bench", audience: "bench", clientId: "bench",
      scope: SCOPE, lifetimeS: 3600, projectId: "prj_bench",
    });
    return Response.json({ access_token: access.token, token_type: "Bearer", expires_in: 3600 }, { headers: { "Cache-Control": "no-store" } });
  }

  if (route === "POST /__bench/setup") {
    fixture ??= await createFixture(store, config.encryptionKey);
    const { projectId, clientId, clientSecret, userId } = fixture;
    return Response.json({ projectId, clientId, clientSecret, userId, verifier: VERIFIER, redirectUri: REDIRECT_URI });
  }

  if (!fixture) return new Response("POST /__bench/setup first", { status: 409 });
  const f = fixture;

  if (route === "POST /__bench/client-credentials") {
    machineFixture ??= await createMachineClient(store, config.encryptionKey, f.projectId);
    return Response.json({ ...machineFixture, scopes: MACHINE_SCOPES, audience: MACHINE_AUDIENCE });
  }

  if (route === "POST /__bench/exchange-setup") {
    const input = exchangeSetupInput(await request.json().catch(() => null));
    if (!input) return new Response('body: { "origin": "http://127.0.0.1:<port>", "okta": { clientId, clientSecret }, "google": { … } }', { status: 400 });
    exchangeFixture ??= await createExchangeFixture(store, config.encryptionKey, f.projectId, input.origin, input.upstream);
    return Response.json({ ...exchangeFixture, scopes: EXCHANGE_SCOPES, providers: EXCHANGE_PROVIDERS });
  }

  if (route === "GET /__bench/exchange-user") {
    const providerId = url.searchParams.get("provider") ?? "";
    const subject = url.searchParams.get("subject") ?? "";
    const user = await findUserByExternalId(store, f.projectId, { providerId, subject });
    return user ? Response.json({ userId: user.id, email: user.email }) : new Response("no user linked to that subject", { status: 404 });
  }

  if (route === "POST /__bench/codes") {
    const count = countOf(url);
    if (count instanceof Response) return count;
    const grant: AuthorizationCode = {
      projectId: f.projectId, clientId: f.clientId, redirectUri: REDIRECT_URI, codeChallenge: await s256(VERIFIER),
      scope: SCOPE, user: f.user, authTime: Math.floor(Date.now() / 1000), amr: ["fed"], idp: f.providerId,
    };
    const codes = await issueMany(count, () => issueCode(config.encryptionKey, grant));
    return Response.json({ codes, verifier: VERIFIER });
  }

  if (route === "POST /__bench/refresh-tokens") {
    const count = countOf(url);
    if (count instanceof Response) return count;
    // A grant per token, as a code exchange records it (each under a fresh pseudo code hash).
    const grants = new Grants(store, config.encryptionKey);
    const input: GrantInput = {
      projectId: f.projectId, clientId: f.clientId, userId: f.userId, scope: SCOPE, authTime: Math.floor(Date.now() / 1000),
      amr: ["fed"], idp: f.providerId, codeChallenge: await s256(VERIFIER), refreshable: true,
    };
    const access = { jti: "bench", exp: Math.floor(Date.now() / 1000) + 3600 };
    const issued = await issueMany(count, () => grants.record(input, { kind: "code", codeHash: crypto.randomUUID() }, access, f.refreshTokenSeconds));
    return Response.json({ tokens: issued.map((x) => x.refreshToken!) });
  }

  return new Response("not found", { status: 404 });
}

/** The product with the bindings `workerd serve` cannot configure (stand-ins.ts). */
const product = withStandIns(worker);

export default {
  fetch(request, env, ctx) {
    if (storeUrl === undefined) {
      const url = env.UPSTASH_REDIS_REST_URL;
      storeUrl = typeof url === "string" ? url.replace(/\/+$/, "") : "";
    }
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/")) return bench(request, env, url);
    return product.fetch(request, env, ctx);
  },
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Bindings>;
