/**
 * `GET /auth/callback/:providerId`: the upstream provider sends the person back. The transaction is
 * taken once by `state` and must match this browser's binding cookie (RP-1, AB-5); the code is
 * exchanged with PKCE (openid-client, RP-8 timeout); the ID token is verified to the letter
 * (verify.ts, RP-2…RP-4), userinfo fetched where the provider needs it (RP-5); the provider's
 * quirks normalise the claims; linking decides who the person is (RP-7). Only then does Fedgate
 * issue its own code and send the browser back to the client (303, with `state` and `iss`).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { resolveUser } from "../identity/linking";
import { redirectTo, takePendingAuthorization } from "../oauth/authorization-request";
import { issueCode } from "../oauth/codes";
import { getProvider, type Provider } from "../registry/providers";
import { auditLater } from "../security/audit";
import { Sealer } from "../security/encryption";
import * as keys from "../store/keys";
import { showError } from "./routing";
import { rateLimit } from "../security/rate-limit";
import { bindingCookie, type UpstreamTransaction } from "./login";
import { sha256 } from "../encoding";
import { providerKind } from "./providers";
import { redeemUpstreamCode, type RedeemedCode } from "./code-exchange";
import { callbackUrl } from "./upstream";
import { classifyUpstreamFailure } from "./upstream-failure";

/** A failed sign-in: shown to the person, audited with the internal reason. */
class SignInFailure extends Error {
  constructor(readonly status: 400 | 403 | 502 | 503, readonly title: string, readonly publicMessage: string, readonly reason: string) {
    super(reason);
  }
}

const UNTRUSTED = "Your identity provider's answer could not be trusted, so you were not signed in.";

/**
 * What the code exchange, the ID token check or userinfo threw, as a page (upstream-failure.ts):
 * an outage is 503, a refusal 502 audited as `<check>: <detail>`; anything else is rethrown, a 500.
 */
function upstreamFailure(error: unknown): SignInFailure {
  const failure = classifyUpstreamFailure(error);
  if (!failure) throw error;
  if (failure.outcome === "unavailable") {
    return new SignInFailure(503, "Identity provider unavailable", "Your identity provider did not answer in time. Please try again in a moment.", `unavailable: ${failure.detail}`);
  }
  if (failure.code === "refused") {
    return new SignInFailure(502, "Sign-in failed", "Your identity provider refused to complete the sign-in. Please start again.", `refused: ${failure.detail}`);
  }
  return new SignInFailure(502, "Sign-in failed", UNTRUSTED, `${failure.code}: ${failure.detail}`);
}

async function complete(c: Context<AppEnv>, provider: Provider, transaction: UpstreamTransaction): Promise<Response> {
  const { config, store } = c.var;
  const kind = providerKind(provider.kind);
  // The URL the provider was told to return to, never the Host this request came in on (AS-13).
  const current = new URL(callbackUrl(config.issuer, provider));
  current.search = new URL(c.req.url).search;

  let upstream: RedeemedCode;
  try {
    upstream = await redeemUpstreamCode(provider, transaction, current, new Sealer(config.encryptionKey));
  } catch (error) {
    throw upstreamFailure(error);
  }
  if (!upstream.ok) throw new SignInFailure(502, "Sign-in failed", UNTRUSTED, `${upstream.reason}: ${upstream.detail}`);
  const { claims, userinfo } = upstream;

  const identity = kind.normalise(claims, userinfo, provider);
  if (!identity.ok) throw new SignInFailure(502, "Sign-in failed", UNTRUSTED, `${identity.reason}: ${identity.detail}`);
  const resolution = await resolveUser(store, { projectId: provider.projectId, provider, identity: identity.value, authority: kind, now: new Date().toISOString() });
  if (!resolution.ok) throw new SignInFailure(403, "You cannot sign in", resolution.message, resolution.reason);

  const request = await takePendingAuthorization(store, transaction.requestId);
  if (!request) throw new SignInFailure(400, "Sign-in expired", "This sign-in took too long or was already used. Go back to the application and start again.", "authorization request gone");
  const authTime = typeof claims.auth_time === "number" ? claims.auth_time : Math.floor(Date.now() / 1000);
  const amr = Array.isArray(claims.amr) && claims.amr.every((m) => typeof m === "string") ? (claims.amr as string[]) : ["fed"];
  const code = await issueCode(store, {
    projectId: request.projectId, clientId: request.clientId, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge,
    scope: request.scope, ...(request.nonce ? { nonce: request.nonce } : {}), authTime, amr, idp: provider.id,
    user: { id: resolution.user.id, email: resolution.user.email, emailVerified: resolution.user.emailVerified, name: resolution.user.name },
  });
  auditLater(c, {
      projectId: provider.projectId, actor: { kind: "user", userId: resolution.user.id }, action: "login.success",
      target: { type: "client", id: request.clientId }, after: { provider: provider.id, outcome: resolution.outcome, via: resolution.via },
    });
  c.header("Cache-Control", "no-store");
  return c.redirect(redirectTo(request.redirectUri, config.issuer, request.state, { code }), 303);
}

export const callback = new Hono<AppEnv>().get("/callback/:providerId", rateLimit({ name: "callback", limits: (config) => config.rateLimits.signIn }), async (c) => {
  const state = c.req.query("state");
  const transaction = state ? await c.var.store.take<UpstreamTransaction>(keys.upstreamTransaction(state)) : null;
  if (!state || !transaction || transaction.providerId !== c.req.param("providerId")) {
    return showError(c, { title: "Sign-in expired", message: "This sign-in link is no longer valid. Go back to the application and start again.", status: 400 });
  }
  const cookie = bindingCookie(state);
  const binding = getCookie(c, cookie);
  deleteCookie(c, cookie, { path: "/auth/callback" });
  const provider = await getProvider(c.var.store, transaction.projectId, transaction.providerId);
  const fail = (failure: SignInFailure) => {
    auditLater(c, {
        projectId: transaction.projectId, actor: { kind: "anonymous" }, action: "login.failure",
        target: { type: "provider", id: transaction.providerId }, outcome: "failure", reason: failure.reason,
      });
    return showError(c, { title: failure.title, message: failure.publicMessage, status: failure.status });
  };
  // The browser that started the login must be the one finishing it: no login injection (RP-1).
  if (!binding || (await sha256(binding)) !== transaction.bindingHash) {
    return fail(new SignInFailure(400, "Sign-in could not be verified", "This sign-in was started in another browser or tab. Start again from the application.", "binding cookie missing or wrong"));
  }
  if (!provider) return fail(new SignInFailure(400, "Sign-in is not set up", "This identity provider no longer exists.", "provider deleted"));
  const upstreamError = c.req.query("error");
  if (upstreamError) {
    return fail(new SignInFailure(403, "Sign-in was not completed", "Your identity provider did not sign you in (you may have cancelled). Start again from the application.", `upstream error: ${upstreamError.slice(0, 100)}`));
  }
  try {
    return await complete(c, provider, transaction);
  } catch (error) {
    if (error instanceof SignInFailure) return fail(error);
    throw error;
  }
});
