/**
 * The whole federated sign-in over HTTP, without a browser: authorize → Fedgate's sign-in form →
 * the emulator (its non-interactive path: `test_password`) → Fedgate's callback → the client's
 * redirect URI → the token endpoint. Each setup registers its own upstream client at the emulator,
 * so client-scoped misbehaviour switches touch no other test file.
 */
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { api, emulatorSwitch, issuers, newProject, operator } from "./admin";
import { call, ISSUER } from "./worker";

/** An emulated provider; a setup's provider kind is the emulator's own, or `oidc` (generic) in front of one. */
export type Kind = "auth0" | "okta" | "google" | "cognito";
export type ProviderKindName = Kind | "oidc";
export const CLIENT_REDIRECT = "https://app.example/callback";

export interface Federation {
  project: { id: string; token: string };
  providerId: string;
  upstreamClientId: string;
  clientId: string;
  /** Flip a switch for this setup's upstream client only. */
  upstreamSwitch(switches: Record<string, unknown>): Promise<void>;
}

let counter = 0;

/**
 * A project with one provider of `kind` at its emulator, its domains mapped, and a public client.
 * `emulator` puts a provider of another kind (the generic `oidc`) in front of an emulator.
 */
export async function setupFederation(
  kind: Kind,
  options: { domains?: string[]; provider?: Record<string, unknown>; clientProviderId?: boolean; project?: Record<string, unknown>; providerKind?: ProviderKindName } = {},
): Promise<Federation> {
  const project = await newProject(`sign-in ${kind}`);
  if (options.project) {
    const read = await api(project.token, "GET", `/projects/${project.id}`);
    await api(project.token, "PATCH", `/projects/${project.id}`, options.project, { "If-Match": read.headers.get("ETag")! });
  }
  const providerId = kind;
  const upstreamClientId = `fedgate-test-${kind}-${Date.now().toString(36)}-${counter++}`;
  const registered = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/clients`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ provider: kind, clientId: upstreamClientId, clientSecret: "upstream-test-secret", redirectUris: [`${ISSUER}/auth/callback/${providerId}`] }),
  });
  if (!registered.ok) throw new Error(`emulator client registration failed: ${await registered.text()}`);
  const provider = await api(project.token, "POST", `/projects/${project.id}/providers`, {
    id: providerId, name: `${kind} test`, kind: options.providerKind ?? kind, issuer: issuers[kind], clientId: upstreamClientId, clientSecret: "upstream-test-secret", ...options.provider,
  });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${JSON.stringify(provider.body)}`);
  for (const domain of options.domains ?? []) {
    // The emulators' users share a few domains across test projects: the operator vouches for each.
    await operator("PUT", `/projects/${project.id}/domain-verifications/${domain}`);
    const mapped = await api(project.token, "POST", `/projects/${project.id}/domains`, { domain, providerId });
    if (mapped.status !== 201) throw new Error(`domain ${domain}: ${mapped.status} ${JSON.stringify(mapped.body)}`);
  }
  const client = await api(project.token, "POST", `/projects/${project.id}/clients`, {
    name: "app", kind: "public", redirectUris: [CLIENT_REDIRECT], ...(options.clientProviderId ? { providerId } : {}),
  });
  return {
    project, providerId, upstreamClientId, clientId: client.body.client.id,
    upstreamSwitch: (switches) => emulatorSwitch(kind === "okta" ? "okta" : kind, { clientId: upstreamClientId, ...switches }),
  };
}

export const pkce = async () => {
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
};

export interface FlowResult {
  /** Where Fedgate finally sent the browser (the client's redirect URI), if it did. */
  redirect?: URL;
  /** The last response when the flow stopped at a page instead. */
  page?: { status: number; text: string };
  verifier: string;
  responses: Response[];
}

/** The authorization request URL for a setup. */
export function authorizeUrl(f: Pick<Federation, "clientId">, challenge: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    response_type: "code", client_id: f.clientId, redirect_uri: CLIENT_REDIRECT, scope: "openid email profile offline_access",
    state: "st-123", nonce: "nonce-abc", code_challenge: challenge, code_challenge_method: "S256", ...extra,
  });
  return `/oauth2/authorize?${params}`;
}

const cookieOf = (response: Response) => (response.headers.get("Set-Cookie") ?? "").split(";")[0]!;

/**
 * A browser's cookies for Fedgate's origin, across sign-ins: what makes a second sign-in find the
 * broker session the first one started. Paths and expiry are not modelled; a cookie set with
 * Max-Age=0 (or an empty value) is dropped.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Remembers what a Fedgate response set. */
  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header to send (with `extra`, e.g. a transaction's binding cookie). */
  header(extra?: string): Record<string, string> {
    const all = [...[...this.cookies].map(([name, value]) => `${name}=${value}`), ...(extra ? [extra] : [])];
    return all.length > 0 ? { Cookie: all.join("; ") } : {};
  }

  /** The broker session cookie's value for a project, if the browser holds one. */
  session(projectId: string): string | undefined {
    return this.cookies.get(`fg_session_${projectId}`);
  }
}

/**
 * Runs the browser's part of a sign-in; stops at the first page that is not a redirect. With `jar`,
 * the browser keeps Fedgate's cookies across calls (the broker session); without, every flow is a
 * fresh browser. A flow answered from the session (SSO) ends at the client's redirect URI at once.
 */
export async function signInFlow(f: Pick<Federation, "clientId">, person: { email: string; password: string }, options: { authorize?: Record<string, string>; skipForm?: boolean; jar?: CookieJar } = {}): Promise<FlowResult> {
  const { verifier, challenge } = await pkce();
  const responses: Response[] = [];
  const jar = options.jar ?? new CookieJar();
  const stop = async (response: Response): Promise<FlowResult> => ({ page: { status: response.status, text: await response.text() }, verifier, responses });

  let response = await call(authorizeUrl(f, challenge, options.authorize), { redirect: "manual", headers: jar.header() });
  jar.keep(response);
  responses.push(response);
  if (response.status === 200 && !options.skipForm) {
    const requestId = (await response.text()).match(/name="request" value="([a-z2-7]{26})"/)?.[1];
    if (!requestId) throw new Error("no request id on the sign-in page");
    response = await call("/auth/signin", {
      method: "POST", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...jar.header() },
      body: new URLSearchParams({ request: requestId, email: person.email }).toString(),
    });
    responses.push(response);
  }
  if (response.status !== 303) return stop(response);
  const upstream = new URL(response.headers.get("Location")!);
  if (upstream.origin === new URL(CLIENT_REDIRECT).origin) return { redirect: upstream, verifier, responses };
  const binding = cookieOf(response);
  upstream.searchParams.set("login_hint", person.email);
  upstream.searchParams.set("test_password", person.password);
  const atProvider = await fetch(upstream, { redirect: "manual" });
  responses.push(atProvider);
  const back = atProvider.headers.get("Location");
  if (!back || !back.startsWith(`${ISSUER}/auth/callback/`)) return stop(atProvider);
  const callback = await call(back.slice(ISSUER.length), { redirect: "manual", headers: jar.header(binding) });
  jar.keep(callback);
  responses.push(callback);
  if (callback.status !== 303) return stop(callback);
  return { redirect: new URL(callback.headers.get("Location")!), verifier, responses };
}

/** Redeems the code from a finished flow at the token endpoint. */
export async function redeemFlow(f: Pick<Federation, "clientId">, flow: FlowResult) {
  const response = await call("/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: flow.redirect!.searchParams.get("code")!, redirect_uri: CLIENT_REDIRECT,
      code_verifier: flow.verifier, client_id: f.clientId,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
