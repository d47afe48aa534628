/**
 * Signing in at node-oidc-provider, the suite's real generic OpenID Provider (started in Node by
 * test/global-setup.ts, configured in test/helpers/node/oidc-provider.ts), from the workerd tests:
 *
 *   const upstream = await nodeOidcTokens({ account: "nora", resource: NODE_OIDC_RESOURCES.api });
 *   const provider = await nodeOidcProvider(project, { exchange: { audiences: [NODE_OIDC_RESOURCES.api] } });
 *   const flow = await signInThroughNodeOidc(setup, "nora");  // Fedgate's whole sign-in
 *
 * Its login is non-interactive: the first interaction URL gets `?login=<account>`, the consent that
 * follows is granted by the server, and the browser's part is plain redirects with a cookie jar.
 */
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { api, operator } from "./admin";
import {
  NODE_OIDC_ACCOUNTS, NODE_OIDC_CLIENT_SECRET, NODE_OIDC_CLIENTS, type NodeOidcAccount, type NodeOidcClient,
} from "./oidc-provider-fixtures";
import { authorizeUrl, CLIENT_REDIRECT, CookieJar as SignInJar, pkce, type FlowResult } from "./signin";
import { call, ISSUER } from "./worker";

export * from "./oidc-provider-fixtures";

export const nodeOidcIssuer = (): string => env.TEST_OIDC_PROVIDER_ISSUER;

/** Cookies by name; paths are ignored: one jar per sign-in, and each request goes to one server. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const pair = header.split(";")[0]!;
      const eq = pair.indexOf("=");
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/**
 * Follows node-oidc-provider's redirects from an authorization URL, signing `account` in at the first
 * interaction, until it sends the browser elsewhere. Returns that Location, or throws with the page
 * it stopped at.
 */
export async function loginAtNodeOidc(authorizationUrl: string, account: NodeOidcAccount): Promise<URL> {
  const issuer = new URL(nodeOidcIssuer());
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let loggedIn = false;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { redirect: "manual", headers: { Cookie: jar.header() } });
    jar.take(response);
    const location = response.headers.get("Location");
    if (response.status !== 303 && response.status !== 302) {
      throw new Error(`node-oidc-provider stopped at ${url.pathname}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    await response.body?.cancel();
    const next = new URL(location!, url);
    if (next.origin !== issuer.origin) return next;
    if (next.pathname.startsWith("/interaction/") && !loggedIn) {
      next.searchParams.set("login", account);
      loggedIn = true;
    }
    url = next;
  }
  throw new Error("node-oidc-provider redirected more than 10 times");
}

export interface NodeOidcTokenResponse {
  access_token: string;
  id_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

export interface NodeOidcTokenOptions {
  account?: NodeOidcAccount;
  client?: NodeOidcClient;
  /** RFC 8707: the access token becomes an RFC 9068 JWT for this audience. */
  resource?: string;
  /** Put email and name into the ID token (the OIDC `claims` parameter); by default only userinfo has them. */
  claimsInIdToken?: boolean;
  nonce?: string;
}

/** Signs `account` in at node-oidc-provider as `client` (PKCE S256, client_secret_post) and returns its tokens. */
export async function nodeOidcTokens(options: NodeOidcTokenOptions = {}): Promise<NodeOidcTokenResponse> {
  const clientId = NODE_OIDC_CLIENTS[options.client ?? "rs256"].clientId;
  const redirectUri = `${ISSUER}/auth/callback/node-oidc`; // registered; never followed here
  const { verifier, challenge } = await pkce();
  const state = base64url.encode(crypto.getRandomValues(new Uint8Array(12)));
  const params = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, state, nonce: options.nonce ?? crypto.randomUUID(),
    scope: options.resource ? "openid email profile api:read" : "openid email profile",
    code_challenge: challenge, code_challenge_method: "S256",
  });
  if (options.resource) params.set("resource", options.resource);
  if (options.claimsInIdToken) params.set("claims", JSON.stringify({ id_token: { email: null, email_verified: null, name: null } }));
  const back = await loginAtNodeOidc(`${nodeOidcIssuer()}/auth?${params}`, options.account ?? "nora");
  const code = back.searchParams.get("code");
  if (!code || back.searchParams.get("state") !== state) throw new Error(`node-oidc-provider sent no code: ${back}`);
  const body = new URLSearchParams({
    grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId, client_secret: NODE_OIDC_CLIENT_SECRET,
  });
  if (options.resource) body.set("resource", options.resource);
  const response = await fetch(`${nodeOidcIssuer()}/token`, { method: "POST", body });
  const text = await response.text();
  if (!response.ok) throw new Error(`node-oidc-provider token request failed: ${response.status} ${text}`);
  return JSON.parse(text) as NodeOidcTokenResponse;
}

/** Adds a provider of kind `oidc` whose issuer is node-oidc-provider, upstream client `client`; maps `domains` to it. */
export async function nodeOidcProvider(
  project: { id: string; token: string },
  options: { id?: string; client?: NodeOidcClient; provider?: Record<string, unknown>; exchange?: Record<string, unknown>; domains?: string[] } = {},
): Promise<{ id: string; clientId: string }> {
  const id = options.id ?? "node-oidc";
  const clientId = NODE_OIDC_CLIENTS[options.client ?? "rs256"].clientId;
  const created = await api(project.token, "POST", `/projects/${project.id}/providers`, {
    id, name: "node-oidc-provider", kind: "oidc", issuer: nodeOidcIssuer(), clientId, clientSecret: NODE_OIDC_CLIENT_SECRET,
    ...(options.exchange ? { exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false, ...options.exchange } } : {}),
    ...options.provider,
  });
  if (created.status !== 201) throw new Error(`provider ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  for (const domain of options.domains ?? []) {
    // The operator vouches for the domain, as for the emulators' shared domains (signin.ts).
    await operator("PUT", `/projects/${project.id}/domain-verifications/${domain}`);
    const mapped = await api(project.token, "POST", `/projects/${project.id}/domains`, { domain, providerId: id });
    if (mapped.status !== 201) throw new Error(`domain ${domain}: ${mapped.status} ${JSON.stringify(mapped.body)}`);
  }
  return { id, clientId };
}

/**
 * Fedgate's whole sign-in for `clientId` with node-oidc-provider upstream: authorize → sign-in page
 * (the account's email: home realm discovery) → node-oidc-provider → Fedgate's callback → the client's
 * redirect URI. Stops at the first page that is not a redirect. `jar` keeps Fedgate's cookies (the broker
 * session) across sign-ins.
 */
export async function signInThroughNodeOidc(f: { clientId: string }, account: NodeOidcAccount, options: { authorize?: Record<string, string>; jar?: SignInJar } = {}): Promise<FlowResult> {
  const { verifier, challenge } = await pkce();
  const responses: Response[] = [];
  const jar = options.jar ?? new SignInJar();
  const stop = async (response: Response): Promise<FlowResult> => ({ page: { status: response.status, text: await response.text() }, verifier, responses });

  const authorize = await call(authorizeUrl(f, challenge, options.authorize), { redirect: "manual", headers: jar.header() });
  responses.push(authorize);
  if (authorize.status !== 200) return stop(authorize);
  const requestId = (await authorize.text()).match(/name="request" value="([a-z2-7]{26})"/)?.[1];
  if (!requestId) throw new Error("no request id on the sign-in page");
  const signin = await call("/auth/signin", {
    method: "POST", redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request: requestId, email: NODE_OIDC_ACCOUNTS[account].email }).toString(),
  });
  responses.push(signin);
  if (signin.status !== 303) return stop(signin);
  const binding = (signin.headers.get("Set-Cookie") ?? "").split(";")[0]!;
  const back = await loginAtNodeOidc(signin.headers.get("Location")!, account);
  if (!back.href.startsWith(`${ISSUER}/auth/callback/`)) throw new Error(`node-oidc-provider sent the browser to ${back}`);
  const callback = await call(back.href.slice(ISSUER.length), { redirect: "manual", headers: jar.header(binding) });
  jar.keep(callback);
  responses.push(callback);
  if (callback.status !== 303) return stop(callback);
  const redirect = new URL(callback.headers.get("Location")!);
  if (redirect.origin + redirect.pathname !== CLIENT_REDIRECT) throw new Error(`Fedgate sent the browser to ${redirect}`);
  return { redirect, verifier, responses };
}
