/**
 * Starting an upstream login (SECURITY.md RP-1, AB-5): fresh `state`, `nonce` and PKCE (S256), the
 * transaction stored single-use for 10 minutes under its state, and bound to this browser by an
 * HttpOnly cookie scoped to the callback path, whose hash the transaction keeps.
 */
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { base64url } from "jose";
import * as oauth from "oauth4webapi";
import type { AppEnv } from "../env";
import type { AuditInput } from "../security/audit-event";
import type { Provider } from "../registry/providers";
import { Sealer } from "../security/encryption";
import { sha256 } from "../encoding";
import * as keys from "../store/keys";
import { Problem } from "../errors";
import type { SignInRequest } from "../identity/sign-in";
import { MFA_ACR } from "../sessions/mfa";
import { providerKind } from "./providers";
import { authorizationUrl, callbackUrl, upstreamServer, type UpstreamServer } from "./upstream";
import { classifyUpstreamFailure } from "./upstream-failure";

const TRANSACTION_TTL_MS = 10 * 60_000;

export interface UpstreamTransaction {
  state: string;
  projectId: string;
  providerId: string;
  requestId: string;
  codeVerifier: string;
  nonce: string;
  /** SHA-256 of the browser-binding cookie's value. */
  bindingHash: string;
  createdAt: number;
  /** Present on a console test sign-in (test-sign-in.ts): the callback writes nothing and reports back instead. */
  test?: TestMarker;
}

/** The test a transaction belongs to: its id, who started it (actor, console session tag) and where the console wants the browser back. */
export interface TestMarker {
  testId: string;
  /** A path under /console, to which `?test=<testId>` is appended. */
  returnTo: string;
  /** The admin actor (`user:<userId>`): only they may read the outcome. */
  actor: string;
  /** An opaque tag of the console session that started it, for the console to match. */
  session: string;
}

/** A sign-in problem shown to the person on Fedgate's error page. */
export const signInPageError = (status: 400 | 403 | 500 | 502 | 503, title: string, message: string, options: { detail?: string; audit?: AuditInput } = {}): Problem =>
  new Problem(status, title, { description: message, present: { as: "page", title }, ...options });

/** The binding cookie's name: one per transaction, so sign-ins in two tabs do not collide. */
export const bindingCookie = (state: string): string => `fg_tx_${state.slice(0, 12)}`;

/**
 * What the app asked of the authentication that the provider is told (OIDC Core §3.1.2.1): `login_hint`,
 * `prompt` (`login`; `select_account` where the kind takes it), `max_age`, and `acr_values` where the
 * kind takes them: the provider's MFA values when the policy needs MFA, then the app's own (but Fedgate's
 * own MFA value, which is for Fedgate).
 */
function forwardedParameters(request: SignInRequest, provider: Provider): Record<string, string> {
  const { forwards } = providerKind(provider.kind);
  const acrValues = forwards.acrValues
    ? [...new Set([...(request.mfa ? provider.authContext?.mfaAcrValues ?? [] : []), ...(request.acrValues?.split(" ").filter((value) => value !== MFA_ACR) ?? [])])]
    : [];
  const prompt = request.prompt === "select_account" && !forwards.selectAccount ? undefined : request.prompt;
  return {
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
    ...(prompt ? { prompt } : {}),
    ...(request.maxAge === undefined ? {} : { max_age: String(request.maxAge) }),
    ...(acrValues.length > 0 ? { acr_values: acrValues.join(" ") } : {}),
  };
}

/** Sends the browser to the provider's authorization endpoint (303). */
export async function startUpstreamLogin(c: Context<AppEnv>, request: SignInRequest, provider: Provider): Promise<Response> {
  const { config, store } = c.var;
  let server: UpstreamServer;
  try {
    server = await upstreamServer(provider, new Sealer(config.encryptionKey));
  } catch (error) {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error; // a bug is a 500, not an outage (AB-8)
    c.get("log").warn("upstream discovery failed", { provider: provider.id, outcome: failure.outcome, detail: failure.detail });
    throw failure.outcome === "unavailable"
      ? signInPageError(503, "Identity provider unavailable", "Your identity provider did not answer in time. Please try again in a moment.")
      : signInPageError(502, "Sign-in is not set up correctly", "Your identity provider's configuration could not be used. Tell your administrator.");
  }
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const binding = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const transaction: UpstreamTransaction = {
    state, projectId: provider.projectId, providerId: provider.id, requestId: request.id,
    codeVerifier, nonce, bindingHash: await sha256(binding), createdAt: Date.now(),
  };
  await store.set(keys.upstreamTransaction(state), transaction, { ttlMs: TRANSACTION_TTL_MS });

  const url = authorizationUrl(server, {
    redirect_uri: callbackUrl(config.issuer, provider),
    scope: provider.scopes.join(" "),
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    ...forwardedParameters(request, provider),
  });
  setCookie(c, bindingCookie(state), binding, {
    httpOnly: true,
    // Secure everywhere but plain-http local development.
    secure: config.issuer.startsWith("https:"),
    sameSite: "Lax",
    path: "/auth/callback",
    maxAge: TRANSACTION_TTL_MS / 1000,
  });
  c.header("Cache-Control", "no-store");
  return c.redirect(url.href, 303);
}
