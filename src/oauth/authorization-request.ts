/**
 * A downstream authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1), validated and
 * stored for the 10 minutes a person may take to sign in upstream. Until the client and its
 * redirect URI are known good, problems are shown on a page; after that they are redirected back
 * to the client with `error`, `state` and `iss` (SECURITY.md AS-2, AS-5; DESIGN style rule 4): the
 * errors say how they are presented (errors.ts) and the one error handler answers them.
 */
import { OAuthError, Problem, type OAuthErrorCode } from "../errors";
import type { SignInRequest } from "../identity/sign-in";
import { findClient, type Client } from "../registry/clients";
import * as keys from "../store/keys";
import type { Store } from "../store/store";
import { randomId } from "../ids";

const REQUEST_TTL_MS = 10 * 60_000;

export interface PendingAuthorization {
  id: string;
  projectId: string;
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scope: string[];
  /** S256 only (AS-1). */
  codeChallenge: string;
  loginHint?: string;
  /** OIDC `prompt` values (`none` only ever alone). */
  prompt?: Prompt[];
  /** OIDC `max_age` in seconds: an authentication older than this must be repeated upstream. */
  maxAge?: number;
  /** OIDC `acr_values`, forwarded to providers whose kind takes them. */
  acrValues?: string;
  /** The sign-in must be multi-factor (sessions/mfa.ts `mfaRequired`), as judged when the request came. */
  mfa?: true;
  createdAt: number;
}

export const PROMPT_VALUES = ["none", "login", "consent", "select_account"] as const;
type Prompt = (typeof PROMPT_VALUES)[number];
const isPrompt = (value: string): value is Prompt => (PROMPT_VALUES as readonly string[]).includes(value);

/** A problem shown on Fedgate's own error page: the redirect URI cannot be trusted (yet). */
const pageError = (title: string, description: string): Problem => new Problem(400, title, { description, present: { as: "page", title } });

/** The client's redirect URI with `params` added, plus `state` and `iss` (RFC 9207). */
export function redirectTo(redirectUri: string, issuer: string, state: string | undefined, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (state !== undefined) url.searchParams.set("state", state);
  url.searchParams.set("iss", issuer);
  return url.href;
}

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Validates an authorization request's query; the client and request on success. */
export async function validateAuthorizationRequest(store: Store, query: URLSearchParams): Promise<{ client: Client; request: PendingAuthorization }> {
  for (const name of new Set(query.keys())) {
    if (query.getAll(name).length > 1) throw pageError("Invalid request", `The parameter "${name}" is repeated.`);
  }
  const clientId = query.get("client_id");
  const client = clientId ? await findClient(store, clientId) : null;
  if (!client) throw pageError("Unknown application", "The application that sent you here is not registered.");
  const redirectUri = query.get("redirect_uri");
  // Exact string match only: no prefix, wildcard or case folding (AS-2).
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    throw pageError("Invalid redirect", "The application asked to return you to an address it has not registered.");
  }
  const state = query.get("state") ?? undefined;
  const fail = (error: OAuthErrorCode, description: string) => new OAuthError(error, description, 400, { present: { as: "redirect", redirectUri, state } });

  if (query.get("response_type") !== "code") throw fail("unsupported_response_type", "Only response_type=code is supported.");
  if (!client.grantTypes.includes("authorization_code")) throw fail("unauthorized_client", "This client may not use the authorization code flow.");
  const codeChallenge = query.get("code_challenge");
  if (!codeChallenge) throw fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
  if (query.get("code_challenge_method") !== "S256") throw fail("invalid_request", "Only code_challenge_method=S256 is accepted.");
  if (!PKCE_CHALLENGE.test(codeChallenge)) throw fail("invalid_request", "code_challenge must be a base64url SHA-256 digest.");

  const scope = (query.get("scope") ?? "openid").split(" ").filter(Boolean);
  const unknown = scope.filter((s) => !client.scopes.includes(s));
  if (unknown.length > 0) throw fail("invalid_scope", `Scopes not allowed for this client: ${unknown.join(" ")}.`);
  const prompt = [...new Set((query.get("prompt") ?? "").split(" ").filter(Boolean))];
  const unsupported = prompt.find((value) => !isPrompt(value));
  if (unsupported !== undefined) throw fail("invalid_request", `Unsupported prompt value "${unsupported.slice(0, 40)}".`);
  if (prompt.includes("none") && prompt.length > 1) throw fail("invalid_request", "prompt=none cannot be combined with other values.");
  const maxAgeText = query.get("max_age");
  if (maxAgeText !== null && !/^\d{1,9}$/.test(maxAgeText)) throw fail("invalid_request", "max_age must be a number of seconds.");
  const acrValues = query.get("acr_values")?.split(" ").filter(Boolean) ?? [];
  if (acrValues.length > 10 || acrValues.some((value) => value.length > 200)) throw fail("invalid_request", "acr_values: at most 10 values of 200 characters.");

  const loginHint = query.get("login_hint") ?? undefined;
  const nonce = query.get("nonce") ?? undefined;
  const request: PendingAuthorization = {
    id: randomId(26), projectId: client.projectId, clientId: client.id, redirectUri, scope, codeChallenge, createdAt: Date.now(),
    ...(state === undefined ? {} : { state }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(loginHint ? { loginHint: loginHint.slice(0, 320) } : {}),
    ...(prompt.length > 0 ? { prompt: prompt as Prompt[] } : {}),
    ...(maxAgeText === null ? {} : { maxAge: Number(maxAgeText) }),
    ...(acrValues.length > 0 ? { acrValues: acrValues.join(" ") } : {}),
  };
  return { client, request };
}

export async function savePendingAuthorization(store: Store, request: PendingAuthorization): Promise<void> {
  await store.set(keys.pendingAuthorization(request.id), request, { ttlMs: REQUEST_TTL_MS });
}

export function getPendingAuthorization(store: Store, requestId: string): Promise<PendingAuthorization | null> {
  return /^[a-z2-7]{26}$/.test(requestId) ? store.get<PendingAuthorization>(keys.pendingAuthorization(requestId)) : Promise.resolve(null);
}

export function takePendingAuthorization(store: Store, requestId: string): Promise<PendingAuthorization | null> {
  return store.take<PendingAuthorization>(keys.pendingAuthorization(requestId));
}

/**
 * What federation/ needs of a pending request to sign the person in (identity/sign-in.ts): a request
 * that reaches the provider always authenticates there again when it says `login` (or `max_age` 0),
 * and asks for MFA when the client's policy needs it.
 */
export function signInRequestOf(request: PendingAuthorization, client?: Pick<Client, "providerId">): SignInRequest {
  const prompt = request.prompt?.includes("login") || request.maxAge === 0 ? "login" : request.prompt?.includes("select_account") ? "select_account" : undefined;
  return {
    id: request.id, projectId: request.projectId,
    ...(client?.providerId ? { providerId: client.providerId } : {}),
    ...(request.loginHint ? { loginHint: request.loginHint } : {}),
    ...(prompt ? { prompt } : {}),
    ...(request.maxAge === undefined ? {} : { maxAge: request.maxAge }),
    ...(request.acrValues ? { acrValues: request.acrValues } : {}),
    ...(request.mfa ? { mfa: true } : {}),
  };
}
