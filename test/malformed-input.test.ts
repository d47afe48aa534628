/**
 * AB-3: malformed input of any kind gets a 4xx in the endpoint's error format, never a 5xx.
 * AB-6: the names Object.prototype holds (`__proto__`, `constructor`, `toString`, …) are ordinary
 * unknown values wherever input goes: parameter names and values, path segments, grant and token
 * types, provider and client ids, admin JSON keys, header values.
 *
 * Two properties share one budget (FUZZ_RUNS requests, 10,000 by default), and every response is
 * counted by status class for the summary line:
 * - blind garbage at every path prefix (methods, bodies, content types, headers);
 * - requests shaped for each route: real credentials, tokens and ids from a fixture project (whose
 *   provider is named "constructor"), some of them replaced by prototype names or random strings,
 *   so that the garbage reaches the code behind authentication. A token request whose grant or
 *   token type is a prototype name must issue nothing; an asset named by one must be a 404.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STYLESHEET_PATH, FAVICON_PATH } from "../src/ui/assets";
import { api, issuers, operator } from "./helpers/admin";
import { exchangeProvider, EXCHANGE, TOKEN_TYPE } from "./helpers/exchange";
import { ALL_SCOPES, basic, challengeOf, newClient, newVerifier, REDIRECT, signIn, type ClientAuth } from "./helpers/oauth";
import { upstreamTokens } from "./helpers/upstream";
import { ADMIN_TOKEN, call } from "./helpers/worker";

/** What the fuzz sends in all (FUZZ_RUNS overrides, e.g. `FUZZ_RUNS=50000 npx vitest run …`). */
const TOTAL_RUNS = Number(env.FUZZ_RUNS) > 0 ? Number(env.FUZZ_RUNS) : 10_000;
const BLIND_RUNS = Math.ceil(TOTAL_RUNS * 0.15);
const SHAPED_RUNS = TOTAL_RUNS - BLIND_RUNS;

const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"] as const;
const protoName = fc.constantFrom(...PROTOTYPE_NAMES);
const isPrototypeName = (value: string | null): boolean => (PROTOTYPE_NAMES as readonly (string | null)[]).includes(value);

// ---- counting every response by status class

const counts = { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
let started = 0;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Tokens that change during the run: a request names them by placeholder, replaced when it is sent
 * with the newest the Worker issued (a refresh token rotates; a revoked one is replaced by the next).
 */
const live = new Map<string, string>();
const withLive = (text: string): string => text.replace(/LIVE_(ACCESS|REFRESH)_TOKEN/g, (placeholder) => live.get(placeholder) ?? placeholder);

/** Sends `request` to the Worker, counts its status class, and returns the status, headers and body text. */
async function send(request: FuzzRequest): Promise<{ status: number; headers: Headers; text: string }> {
  const { method } = request;
  const path = withLive(request.path);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, header]) => [name, withLive(header)]));
  const body = typeof request.body === "string" ? withLive(request.body) : request.body;
  const withBody = method !== "GET" && method !== "HEAD" && body !== undefined;
  // Manual: a followed redirect would be a second request, to another route or off to the emulator.
  const response = await call(path, { method, headers, redirect: "manual", ...(withBody ? { body } : {}) });
  const { status } = response;
  counts[status >= 500 ? "5xx" : status >= 400 ? "4xx" : status >= 300 ? "3xx" : "2xx"] += 1;
  const text = await response.text();
  if (status === 200 && path === "/oauth2/token") {
    const issued = JSON.parse(text) as { access_token?: string; refresh_token?: string };
    if (issued.refresh_token) {
      live.set("LIVE_REFRESH_TOKEN", issued.refresh_token);
      live.set("LIVE_ACCESS_TOKEN", issued.access_token!);
    }
  }
  return { status, headers: response.headers, text };
}

/** A readable account of a request, for a failure message. */
const describeRequest = ({ method, path, headers, body }: FuzzRequest): string =>
  `${method} ${path} ${JSON.stringify(headers)} ${typeof body === "string" ? body.slice(0, 300) : body ? `<${body.length} bytes>` : ""}`;

beforeAll(() => {
  started = performance.now();
});

afterAll(() => {
  const total = counts["2xx"] + counts["3xx"] + counts["4xx"] + counts["5xx"];
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: ${total} requests: 2xx=${counts["2xx"]}, 3xx=${counts["3xx"]}, 4xx=${counts["4xx"]}, 5xx=${counts["5xx"]} (${seconds} s)`);
});

// ---- the fixture: a project whose names are prototype names where the API allows it

interface Fixture {
  projectId: string;
  apiKey: string;
  apiKeyId: string;
  confidential: Required<ClientAuth>;
  public: ClientAuth;
  userId: string;
  providerId: string;
  access: string;
  refresh: string;
  idToken: string;
  upstreamAccess: string;
  upstreamId: string;
  requestId: string;
  challenge: string;
}

let fx: Fixture;

beforeAll(async () => {
  const created = await operator("POST", "/projects", { name: "fuzzed", signIn: { listProviders: true } });
  if (created.status !== 201) throw new Error(`project: ${created.status} ${JSON.stringify(created.body)}`);
  const project = { id: created.body.project.id as string, token: created.body.apiKey.token as string };
  // A provider whose chosen id is "constructor": its callback URL, store keys and exchange all carry it.
  const provider = await exchangeProvider(project, "okta", { id: "constructor", domains: ["okta.example"] });
  const confidential = await newClient(project, {
    name: "constructor", kind: "confidential", grantTypes: ["authorization_code", "refresh_token", "client_credentials", EXCHANGE],
    scopes: [...ALL_SCOPES, "toString"], audiences: ["https://orders.example", "__proto__"], rateLimits: { tokenPerMinute: 100_000 },
  });
  const publicClient = await newClient(project, { name: "__proto__", kind: "public", grantTypes: ["authorization_code", "refresh_token"] });
  const user = await api(project.token, "POST", `/projects/${project.id}/users`, {
    email: "fuzz@okta.example", emailVerified: true, name: "toString", externalIds: [{ providerId: "constructor", subject: "__proto__" }],
  });
  if (user.status !== 201) throw new Error(`user: ${user.status} ${JSON.stringify(user.body)}`);
  const tokens = await signIn(confidential, { projectId: project.id, userId: user.body.id });
  const upstream = await upstreamTokens("okta", { clientId: provider.upstreamClient.clientId, nonce: crypto.randomUUID() });
  const challenge = await challengeOf(newVerifier());
  const authorize = await call(`/oauth2/authorize?${new URLSearchParams({
    client_id: publicClient.id, redirect_uri: REDIRECT, response_type: "code", code_challenge: challenge, code_challenge_method: "S256", scope: "openid",
  })}`);
  const requestId = /name="request" value="([a-z2-7]{26})"/.exec(await authorize.text())?.[1];
  if (!requestId) throw new Error(`no sign-in page: ${authorize.status}`);
  fx = {
    projectId: project.id, apiKey: project.token, apiKeyId: project.token.split(".")[2]!,
    confidential: confidential as Required<ClientAuth>, public: publicClient, userId: user.body.id, providerId: provider.id,
    access: tokens.access_token, refresh: tokens.refresh_token, idToken: tokens.id_token,
    upstreamAccess: upstream.access_token, upstreamId: upstream.id_token!, requestId, challenge,
  };
  live.set("LIVE_ACCESS_TOKEN", tokens.access_token);
  live.set("LIVE_REFRESH_TOKEN", tokens.refresh_token);
}, 60_000);

// ---- values: a route's real ones, then some of them replaced by prototype names or random strings

/** What replaces a real value: mostly a prototype name. */
const mutant = fc.oneof(
  { arbitrary: protoName, weight: 4 },
  { arbitrary: fc.string({ maxLength: 16 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 16 }), weight: 1 },
);
/** The same for header values, which are ASCII. */
const headerMutant = fc.oneof({ arbitrary: protoName, weight: 4 }, { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 16 }).map((s) => s.replace(/[\r\n]/g, "")), weight: 1 });

/** One of `real`, or (a third of the time) a mutant. */
function value(real: readonly string[], replacement: fc.Arbitrary<string> = mutant): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 2 }, { arbitrary: replacement, weight: 1 });
}

/** `arbitrary`'s value about `percent` of the time, else undefined. */
const sometimes = <T,>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary, weight: percent });

/** A parameter: its name, its real values (empty: any string), and how often a request has it (default always). */
type Slot = readonly [name: string, real: readonly string[], percent?: number];

/**
 * A request's parameters: each slot with a real value (so many requests get past validation), then
 * in half of them up to three replaced by mutants, and in half up to two stray parameters, mostly
 * named by prototype names, now and then repeating a slot's name.
 */
function parameters(slots: readonly Slot[]): fc.Arbitrary<URLSearchParams> {
  const names = slots.map(([name]) => name);
  return fc
    .tuple(
      fc.tuple(...slots.map(([, real, percent = 100]) => sometimes(real.length > 0 ? fc.constantFrom(...real) : fc.string({ maxLength: 16 }), percent))),
      fc.oneof(fc.constant([]), fc.array(fc.tuple(fc.nat(slots.length - 1), mutant), { minLength: 1, maxLength: 3 })),
      fc.oneof(
        fc.constant([]),
        fc.array(fc.tuple(fc.oneof({ arbitrary: protoName, weight: 6 }, fc.constantFrom(...names), fc.string({ maxLength: 8 })), mutant), { minLength: 1, maxLength: 2 }),
      ),
    )
    .map(([values, mutations, stray]) => {
      const chosen: (string | undefined)[] = [...values];
      for (const [index, replacement] of mutations) chosen[index] = replacement;
      const params = new URLSearchParams();
      names.forEach((name, index) => {
        if (chosen[index] !== undefined) params.append(name, chosen[index]!);
      });
      for (const [name, v] of stray) params.append(name, v);
      return params;
    });
}

/** A JSON object as text with these members in order: `__proto__` stays a member, as a client would send it. */
const jsonObject = (members: readonly (readonly [string, unknown])[]): string =>
  `{${members.map(([key, member]) => `${JSON.stringify(key)}:${JSON.stringify(member) ?? "null"}`).join(",")}}`;

const encodeSegment = (segment: string): string => encodeURIComponent(segment);

/** Headers any request may carry now and then, with prototype names as values. */
const commonHeaders: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    sometimes(fc.oneof(fc.ipV4(), fc.ipV6(), protoName), 30),
    sometimes(fc.oneof(fc.constantFrom("https://app.example", "null"), protoName), 10),
    sometimes(fc.oneof(protoName.map((name) => `${name}=1`), protoName.map((name) => `fg_tx_${name}=${name}`)), 10),
    sometimes(protoName, 10),
  )
  .map(([ip, origin, cookie, etag]) => {
    const headers: Record<string, string> = {};
    if (ip !== undefined) headers["CF-Connecting-IP"] = ip;
    if (origin !== undefined) headers["Origin"] = origin;
    if (cookie !== undefined) headers["Cookie"] = cookie;
    if (etag !== undefined) headers["If-None-Match"] = etag;
    return headers;
  });

/** Client authentication as the OAuth endpoints see it: mostly the real confidential client, else wrong or prototype names. */
const clientAuthorization = () =>
  fc.oneof(
    { arbitrary: fc.constant(basic(fx.confidential.id, fx.confidential.secret)), weight: 8 },
    { arbitrary: fc.tuple(value([fx.confidential.id, fx.public.id]), value([fx.confidential.secret])).map(([id, secret]) => basic(id, secret)), weight: 2 },
    { arbitrary: headerMutant.map((name) => `Bearer ${name}`), weight: 1 },
    { arbitrary: headerMutant, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );

const withHeader = (headers: Record<string, string>, name: string, header: string | undefined): Record<string, string> =>
  header === undefined ? headers : { ...headers, [name]: header };

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

/** The form content type mostly (so requests get past it), else a prototype name or JSON. */
const formType = fc.oneof(
  { arbitrary: fc.constant(FORM["Content-Type"]), weight: 9 },
  { arbitrary: fc.oneof(protoName, fc.constant("application/json")), weight: 1 },
);

// ---- one request arbitrary per route

/** A form POST to an OAuth endpoint (now and then another method), with client authentication. */
function oauthForm(path: string, slots: readonly Slot[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(fc.oneof({ arbitrary: fc.constant("POST"), weight: 8 }, fc.constantFrom("GET", "OPTIONS")), parameters(slots), clientAuthorization(), commonHeaders, formType)
    .map(([method, params, authorization, headers, type]) => ({
      method, path, headers: withHeader({ ...headers, "Content-Type": type }, "Authorization", authorization), body: params.toString(),
    }));
}

const routes = (): fc.Arbitrary<FuzzRequest> => {
  const clientIds = [fx.confidential.id, fx.public.id];
  const ownTokens = ["LIVE_ACCESS_TOKEN", "LIVE_REFRESH_TOKEN", fx.access, fx.refresh, fx.idToken];
  const scopes = ["openid", "openid email profile", "openid offline_access", "toString", "openid constructor"];
  const emails = ["fuzz@okta.example", "olivia@okta.example", ...PROTOTYPE_NAMES.map((n) => `${n}@okta.example`), ...PROTOTYPE_NAMES.map((n) => `x@${n}.example`)];
  const audiences = ["https://orders.example", "__proto__"];

  const discovery = fc
    .tuple(
      fc.constantFrom("GET", "HEAD", "OPTIONS", "POST"),
      value(["openid-configuration", "oauth-authorization-server", "jwks.json"]),
      parameters([["access_token", [], 30]]),
      commonHeaders,
      value(["POST", "GET"], headerMutant),
    )
    .map(([method, document, query, headers, preflight]) => ({
      method, path: `/.well-known/${encodeSegment(document)}?${query}`, headers: { ...headers, "Access-Control-Request-Method": preflight },
    }));

  // One arbitrary per grant, so that most requests are valid but for their mutants.
  const token = fc.oneof(
    oauthForm("/oauth2/token", [["grant_type", ["client_credentials"]], ["scope", scopes, 50], ["resource", audiences, 20], ["audience", audiences, 20]]),
    oauthForm("/oauth2/token", [["grant_type", ["refresh_token"]], ["refresh_token", ["LIVE_REFRESH_TOKEN"]], ["scope", scopes, 30]]),
    oauthForm("/oauth2/token", [
      ["grant_type", [EXCHANGE]], ["subject_token", [fx.upstreamAccess, fx.upstreamAccess, fx.upstreamId]], ["subject_token_type", [TOKEN_TYPE.access, TOKEN_TYPE.access, TOKEN_TYPE.jwt, TOKEN_TYPE.id]],
      ["requested_token_type", Object.values(TOKEN_TYPE), 20], ["scope", scopes, 60], ["audience", audiences, 20], ["resource", audiences, 10],
    ]),
    oauthForm("/oauth2/token", [
      ["grant_type", ["authorization_code"]], ["code", []], ["redirect_uri", [REDIRECT]], ["code_verifier", [newVerifier()]], ["client_id", clientIds, 30],
    ]),
    oauthForm("/oauth2/token", [
      ["grant_type", ["client_credentials"]], ["client_id", clientIds], ["client_secret", [fx.confidential.secret], 50],
      ["client_assertion_type", ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"], 20], ["client_assertion", [fx.idToken], 20],
    ]),
  );

  const userinfo = fc
    .tuple(
      fc.constantFrom("GET", "POST", "OPTIONS"),
      value(["LIVE_ACCESS_TOKEN", fx.access, fx.upstreamAccess], headerMutant),
      sometimes(parameters([["access_token", ["LIVE_ACCESS_TOKEN"]]]), 20),
      commonHeaders,
      fc.boolean(),
    )
    .map(([method, bearer, form, headers, useHeader]) => ({
      method, path: "/oauth2/userinfo", headers: useHeader ? { ...FORM, ...headers, Authorization: `Bearer ${bearer}` } : { ...FORM, ...headers }, body: form?.toString(),
    }));

  const revocationSlots: Slot[] = [["token", [...ownTokens, fx.upstreamAccess]], ["token_type_hint", ["access_token", "refresh_token"], 40]];
  const revoke = oauthForm("/oauth2/revoke", revocationSlots);
  const introspect = oauthForm("/oauth2/introspect", revocationSlots);

  const logout = fc
    .tuple(
      fc.constantFrom("GET", "POST"),
      parameters([["id_token_hint", [fx.idToken], 60], ["client_id", clientIds, 60], ["post_logout_redirect_uri", [REDIRECT], 60], ["state", [], 50]]),
      commonHeaders,
    )
    .map(([method, params, headers]) =>
      method === "GET" ? { method, path: `/oauth2/logout?${params}`, headers } : { method, path: "/oauth2/logout", headers: { ...FORM, ...headers }, body: params.toString() },
    );

  const authorize = fc
    .tuple(
      parameters([
        ["client_id", clientIds], ["redirect_uri", [REDIRECT]], ["response_type", ["code"]], ["code_challenge", [fx.challenge]],
        ["code_challenge_method", ["S256"]], ["scope", scopes, 60], ["prompt", ["login", "none"], 20], ["login_hint", emails, 50],
        ["state", [], 50], ["nonce", [], 30],
      ]),
      commonHeaders,
    )
    .map(([params, headers]) => ({ method: "GET", path: `/oauth2/authorize?${params}`, headers }));

  const signInForm = fc
    .tuple(parameters([["request", [fx.requestId]], ["email", emails, 70], ["provider", [fx.providerId], 30]]), commonHeaders)
    .map(([params, headers]) => ({ method: "POST", path: "/auth/signin", headers: { ...FORM, ...headers }, body: params.toString() }));

  const callback = fc
    .tuple(value([fx.providerId]), parameters([["state", []], ["code", [], 70], ["error", ["access_denied"], 30], ["iss", [issuers.okta], 30]]), commonHeaders)
    .map(([provider, params, headers]) => ({ method: "GET", path: `/auth/callback/${encodeSegment(provider)}?${params}`, headers }));

  const verify = fc
    .tuple(
      fc.constantFrom("GET", "POST", "HEAD", "PUT"),
      fc.oneof(
        value(["LIVE_ACCESS_TOKEN", fx.access], headerMutant).map((t) => `Bearer ${t}`),
        fc.constant(basic(fx.confidential.id, fx.confidential.secret)),
        fc.tuple(value([fx.confidential.id]), value([fx.confidential.secret])).map(([id, secret]) => basic(id, secret)),
        headerMutant,
      ),
      parameters([["project", [fx.projectId], 50], ["scope", scopes, 50]]),
      commonHeaders,
    )
    .map(([method, authorization, query, headers]) => ({ method, path: `/auth/verify?${query}`, headers: { ...headers, Authorization: authorization } }));

  const assets = fc
    .tuple(fc.constantFrom("GET", "HEAD", "POST"), value([STYLESHEET_PATH.slice("/auth/assets/".length), FAVICON_PATH.slice("/auth/assets/".length)]), commonHeaders)
    .map(([method, file, headers]) => ({ method, path: `/auth/assets/${encodeSegment(file)}`, headers }));

  return fc.oneof(
    { arbitrary: discovery, weight: 1 },
    { arbitrary: token, weight: 8 },
    { arbitrary: userinfo, weight: 2 },
    { arbitrary: revoke, weight: 1 },
    { arbitrary: introspect, weight: 2 },
    { arbitrary: logout, weight: 2 },
    { arbitrary: authorize, weight: 2 },
    { arbitrary: signInForm, weight: 2 },
    { arbitrary: callback, weight: 1 },
    { arbitrary: verify, weight: 2 },
    { arbitrary: assets, weight: 1 },
    { arbitrary: adminRequests(), weight: 6 },
    { arbitrary: strayPaths, weight: 1 },
  );
};

/** Paths no route serves, with prototype names as segments. */
const strayPaths = fc
  .tuple(fc.constantFrom("GET", "POST", "PUT", "DELETE", "OPTIONS"), fc.constantFrom("", "/oauth2", "/.well-known", "/auth", "/admin/v1", "/admin/v1/docs", "/healthz"), protoName)
  .map(([method, prefix, name]) => ({ method, path: `${prefix}/${name}`, headers: {} }));

/** Admin API requests: every operation's path with real and prototype ids, bodies with prototype keys. */
function adminRequests(): fc.Arbitrary<FuzzRequest> {
  const p = value([fx.projectId]);
  // Destructive operations only ever name ids that do not exist: the fixture must outlive the run.
  const gone = fc.oneof(protoName, fc.string({ minLength: 1, maxLength: 12 }));
  const paths: fc.Arbitrary<[string, string]>[] = [
    fc.tuple(fc.constantFrom("GET", "POST"), fc.constant("/projects")),
    fc.tuple(fc.constantFrom("GET", "PATCH"), p.map((id) => `/projects/${encodeSegment(id)}`)),
    fc.tuple(fc.constant("DELETE"), gone.map((id) => `/projects/${encodeSegment(id)}`)),
    fc.tuple(fc.constantFrom("GET", "POST"), p.map((id) => `/projects/${encodeSegment(id)}/clients`)),
    fc.tuple(fc.constantFrom("GET", "PATCH"), fc.tuple(p, value([fx.confidential.id, fx.public.id])).map(([id, c]) => `/projects/${encodeSegment(id)}/clients/${encodeSegment(c)}`)),
    fc.tuple(fc.constantFrom("DELETE", "POST"), fc.tuple(p, gone).map(([id, c]) => `/projects/${encodeSegment(id)}/clients/${encodeSegment(c)}${c.length % 2 ? "/secret" : ""}`)),
    fc.tuple(fc.constantFrom("GET", "POST"), p.map((id) => `/projects/${encodeSegment(id)}/providers`)),
    fc.tuple(fc.constantFrom("GET", "PATCH"), fc.tuple(p, value([fx.providerId])).map(([id, prov]) => `/projects/${encodeSegment(id)}/providers/${encodeSegment(prov)}`)),
    fc.tuple(fc.constant("DELETE"), fc.tuple(p, gone).map(([id, prov]) => `/projects/${encodeSegment(id)}/providers/${encodeSegment(prov)}`)),
    fc.tuple(fc.constantFrom("GET", "POST"), p.map((id) => `/projects/${encodeSegment(id)}/domains`)),
    fc.tuple(fc.constantFrom("GET", "PATCH"), fc.tuple(p, value(["okta.example"])).map(([id, d]) => `/projects/${encodeSegment(id)}/domains/${encodeSegment(d)}`)),
    fc.tuple(fc.constantFrom("DELETE", "PUT"), fc.tuple(p, gone).map(([id, d]) => `/projects/${encodeSegment(id)}/domain-verifications/${encodeSegment(d)}.example`)),
    // Challenges of names nobody publishes: a check is a 404 (no challenge) or a 422 (no record), never a 5xx.
    fc.tuple(fc.constantFrom("GET", "POST", "DELETE"), fc.tuple(p, gone).map(([id, d]) => `/projects/${encodeSegment(id)}/domain-challenges/${encodeSegment(d)}.example${d.length % 2 ? "/check" : ""}`)),
    fc.tuple(fc.constant("DELETE"), fc.tuple(p, gone).map(([id, d]) => `/projects/${encodeSegment(id)}/domains/${encodeSegment(d)}`)),
    fc.tuple(fc.constantFrom("GET", "POST"), p.map((id) => `/projects/${encodeSegment(id)}/users`)),
    fc.tuple(fc.constantFrom("GET", "PATCH"), fc.tuple(p, value([fx.userId])).map(([id, u]) => `/projects/${encodeSegment(id)}/users/${encodeSegment(u)}`)),
    fc.tuple(fc.constant("POST"), fc.tuple(p, value([fx.userId])).map(([id, u]) => `/projects/${encodeSegment(id)}/users/${encodeSegment(u)}/identities`)),
    fc.tuple(fc.constant("DELETE"), fc.tuple(p, value([fx.userId]), value([fx.providerId]), gone).map(([id, u, prov, s]) => `/projects/${encodeSegment(id)}/users/${encodeSegment(u)}/identities/${encodeSegment(prov)}/${encodeSegment(s)}`)),
    fc.tuple(fc.constantFrom("GET", "POST"), p.map((id) => `/projects/${encodeSegment(id)}/api-keys`)),
    fc.tuple(fc.constant("DELETE"), fc.tuple(p, gone).map(([id, k]) => `/projects/${encodeSegment(id)}/api-keys/${encodeSegment(k)}`)),
    fc.tuple(fc.constant("GET"), p.map((id) => `/projects/${encodeSegment(id)}/audit`)),
    fc.tuple(fc.constant("GET"), fc.constant("/audit")),
    fc.tuple(fc.constantFrom("GET", "POST"), fc.constantFrom("/signing-keys", "/signing-keys/rotate")),
    fc.tuple(fc.constant("GET"), fc.constantFrom("/openapi.json", "/docs", "/docs/init.js")),
  ];
  const field = fc.constantFrom(
    "name", "kind", "redirectUris", "grantTypes", "scopes", "providerId", "ipRules", "tokenLifetimes", "exchange", "issuer", "clientId",
    "email", "externalIds", "subject", "domain", "signIn", "tokenExchange", "rateLimits", "alg", "force", "overlapSeconds", "id", "jwks",
  );
  const member: fc.Arbitrary<unknown> = fc.oneof(
    protoName,
    protoName.map((name) => [name]),
    protoName.map((name) => JSON.parse(jsonObject([[name, name]]))),
    fc.constantFrom(true, 0, null, "okta", "public", "confidential", "fuzz@okta.example", issuers.okta),
  );
  const body = fc.oneof(
    // Prototype names as keys, at the top and one level down.
    fc.array(fc.tuple(fc.oneof(protoName, field), member), { maxLength: 4 }).map(jsonObject),
    fc.tuple(field, protoName, member).map(([outer, inner, m]) => `{${JSON.stringify(outer)}:${jsonObject([[inner, m]])}}`),
    // Bodies the schemas accept, with prototype names as their values (ids, names, scopes, providers).
    protoName.map((name) => JSON.stringify({ name, kind: "public", redirectUris: [REDIRECT], scopes: [name, "openid"], providerId: name })),
    protoName.map((name) => JSON.stringify({ name, kind: "confidential", grantTypes: ["client_credentials"], audiences: [name], providerId: fx.providerId })),
    protoName.map((name) => JSON.stringify({ name, kind: "okta", issuer: issuers.okta, clientId: name, exchange: { audiences: [name], clientIds: [name] } })),
    protoName.map((name) => JSON.stringify({ id: name.toLowerCase().replace(/_/g, ""), name, kind: "okta", issuer: issuers.okta, clientId: name })),
    protoName.map((name) => JSON.stringify({ name, kind: name, issuer: issuers.okta, clientId: name })),
    protoName.map((name) => JSON.stringify({ domain: `${name.replace(/_/g, "")}.example`, providerId: name })),
    fc.constantFrom(...PROTOTYPE_NAMES.map((name) => JSON.stringify({ domain: "okta.example", providerId: name }))),
    protoName.map((name) => JSON.stringify({ email: `${name}@okta.example`, name, externalIds: [{ providerId: fx.providerId, subject: name }] })),
    protoName.map((name) => JSON.stringify({ providerId: name, subject: name })),
    protoName.map((name) => JSON.stringify({ name, ipRules: { allow: [name], deny: [] } })),
    protoName.map((name) => JSON.stringify({ alg: name })),
    fc.json({ maxDepth: 2 }),
  );
  const authorization = fc.oneof(
    { arbitrary: fc.constant(`Bearer ${ADMIN_TOKEN}`), weight: 5 },
    { arbitrary: fc.constant(`Bearer ${fx.apiKey}`), weight: 3 },
    { arbitrary: protoName.map((name) => `Bearer fgk.${fx.projectId}.${fx.apiKeyId}.${name}`), weight: 1 },
    { arbitrary: protoName.map((name) => `Bearer ${name}`), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
  return fc
    .tuple(
      fc.oneof(...paths),
      sometimes(body, 70),
      authorization,
      parameters([["limit", ["1", "200"], 20], ["cursor", [], 10], ["project", [fx.projectId], 20]]),
      sometimes(protoName.map((name) => `"${name}"`), 50),
      commonHeaders,
    )
    .map(([[method, path], json, bearer, query, ifMatch, headers]) => {
      const base = { ...headers, "Content-Type": "application/json" };
      const withAuth = withHeader(withHeader(base, "Authorization", bearer), "If-Match", ifMatch);
      return { method, path: `/admin/v1${path}?${query}`, headers: withAuth, ...(json === undefined ? {} : { body: json }) };
    });
}

// ---- blind garbage, as before, now with prototype names in it

const blindPaths = [
  "/healthz",
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
  "/.well-known/jwks.json",
  "/admin/v1/signing-keys",
  "/admin/v1/signing-keys/rotate",
  "/oauth2/token",
  "/oauth2/userinfo",
  "/oauth2/revoke",
  "/oauth2/introspect",
  "/oauth2/authorize",
  "/oauth2/logout",
  "/auth/signin",
  "/auth/verify",
  "/auth/callback/okta",
  "/auth/assets/none.css",
  "/nowhere",
];

const blindAdminPaths = (id: string) => [
  "/admin/v1/projects",
  `/admin/v1/projects/${id}`,
  `/admin/v1/projects/${id}/clients`,
  `/admin/v1/projects/${id}/clients/${id}.aaaaaaaaaaaaaaaaaaaa`,
  `/admin/v1/projects/${id}/providers`,
  `/admin/v1/projects/${id}/domains`,
  `/admin/v1/projects/${id}/domains/%E0%A4%A`,
  `/admin/v1/projects/${id}/users`,
  `/admin/v1/projects/${id}/api-keys`,
  `/admin/v1/audit?project=${id}&cursor=%FF`,
  "/admin/v1/openapi.json",
];

/** Endpoints a person's browser visits: their errors are pages, not JSON. */
const pageEndpoints = /^\/(oauth2\/(authorize|logout)|auth\/(signin|callback\/))/;

describe("AB-3, AB-6: malformed input", () => {
  it(`blind garbage never gets a 5xx, and every error is JSON in its endpoint's format (${BLIND_RUNS} requests)`, async () => {
    // A project of its own: these requests may delete it, so the route fuzz's fixture stays apart.
    const own = (await operator("POST", "/projects", { name: "fuzzed blindly" })).body as { project: { id: string }; apiKey: { token: string } };
    const pathArbitrary = fc.oneof(
      fc.constantFrom(...blindPaths),
      fc.constantFrom(...blindAdminPaths(own.project.id)),
      fc.tuple(fc.constantFrom(...blindPaths), fc.string({ unit: "binary", maxLength: 30 })).map(([p, tail]) => p + encodeURIComponent(tail)),
      fc.tuple(fc.constantFrom(...blindPaths, ...blindAdminPaths(own.project.id)), protoName).map(([p, name]) => `${p.split("?")[0]}/${name}`),
      fc.tuple(fc.constantFrom(...blindPaths), protoName, protoName).map(([p, name, v]) => `${p}?${name}=${v}`),
      fc.webPath(),
    );
    const bodyArbitrary = fc.oneof(
      fc.constant(undefined),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.json(),
      fc.uint8Array({ maxLength: 300 }),
      fc.constant('{"force":true,"force":false}'),
      fc.constant("\uD800\uDFFF\uDC00"),
      protoName.map((name) => jsonObject([[name, { [name]: name }]])),
      fc.tuple(protoName, protoName).map(([name, v]) => `${name}=${v}&grant_type=${v}&subject_token_type=${name}`),
    );
    const headersArbitrary = fc.record(
      {
        "Content-Type": fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "garbage", ...PROTOTYPE_NAMES),
        Authorization: fc.oneof(
          fc.constant(`Bearer ${ADMIN_TOKEN}`),
          fc.constant("project-key").map(() => `Bearer ${own.apiKey.token}`),
          fc.constant("Bearer "),
          fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, "")}`),
          fc.constant("Basic !!!"),
          protoName.map((name) => `Bearer ${name}`),
          protoName.map((name) => basic(name, name)),
        ),
        "If-None-Match": fc.oneof(fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")), protoName),
        Origin: fc.constantFrom("https://app.example", "null", "*", ...PROTOTYPE_NAMES),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
        pathArbitrary,
        headersArbitrary,
        bodyArbitrary,
        async (method, path, headers, body) => {
          const request = { method, path, headers, ...(body === undefined ? {} : { body }) };
          const response = await send(request);
          expect(response.status, describeRequest(request)).toBeLessThan(500);
          // /auth/verify answers gateways in OAuth's JSON whatever its path (oauth/forward-auth.ts).
          if (response.status >= 400 && method !== "HEAD" && !pageEndpoints.test(path) && !path.startsWith("/auth/verify")) {
            const type = response.headers.get("Content-Type") ?? "";
            expect(type).toMatch(path.startsWith("/oauth2/") ? /^application\/json/ : /^application\/problem\+json/);
            expect(response.headers.get("Cache-Control")).toBe("no-store");
            JSON.parse(response.text);
          }
        },
      ),
      { numRuns: BLIND_RUNS },
    );
  }, Math.max(120_000, BLIND_RUNS * 20));

  it(`requests shaped for every route, with prototype names everywhere, never get a 5xx (${SHAPED_RUNS} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(routes(), async (request) => {
        const response = await send(request);
        const account = `${describeRequest(request)} → ${response.status} ${response.text.slice(0, 300)}`;
        expect(response.status, account).toBeLessThan(500);
        // A prototype name is no grant or token type: nothing is issued for it (AB-6).
        if (request.path === "/oauth2/token" && typeof request.body === "string") {
          const params = new URLSearchParams(request.body);
          const exchange = params.get("grant_type") === EXCHANGE;
          if (isPrototypeName(params.get("grant_type")) || (exchange && (isPrototypeName(params.get("subject_token_type")) || isPrototypeName(params.get("requested_token_type"))))) {
            expect(response.status, account).not.toBe(200);
          }
        }
        // …nor a file name.
        if (request.path.startsWith("/auth/assets/") && isPrototypeName(request.path.slice("/auth/assets/".length))) {
          expect(response.status, account).toBe(404);
        }
      }),
      { numRuns: SHAPED_RUNS },
    );
  }, Math.max(300_000, SHAPED_RUNS * 20));
});
