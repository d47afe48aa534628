/**
 * `GET /auth/callback/:providerId`: the upstream provider sends the person back. The transaction is
 * taken once by `state` and must match this browser's binding cookie (RP-1, AB-5); the code is
 * exchanged with PKCE (code-exchange.ts, RP-8 timeout); the ID token is verified to the letter
 * (verify.ts, RP-2…RP-4), userinfo fetched where the provider needs it (RP-5); the provider's
 * quirks normalise the claims; linking decides who the person is (RP-7). Only then is the person
 * handed to `onSignedIn` (the authorization server), which completes the downstream authorization.
 * Every failure is Fedgate's error page, audited as `login.failure` with the internal reason.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { sha256 } from "../encoding";
import type { AppEnv } from "../env";
import type { Problem } from "../errors";
import { resolveUser } from "../identity/linking";
import type { OnSignedIn, SignedIn } from "../identity/sign-in";
import { effectiveRoles } from "../identity/users";
import { authenticationContext } from "../sessions/mfa";
import { getProvider, type Provider } from "../registry/providers";
import { Sealer } from "../security/encryption";
import { rateLimit } from "../security/rate-limit";
import * as keys from "../store/keys";
import { redeemUpstreamCode, type RedeemedCode } from "./code-exchange";
import { bindingCookie, signInPageError, type UpstreamTransaction } from "./login";
import { providerKind } from "./providers";
import { finishTestSignIn } from "./test-sign-in";
import { callbackUrl } from "./upstream";
import { classifyUpstreamFailure } from "./upstream-failure";

const UNTRUSTED = "Your identity provider's answer could not be trusted, so you were not signed in.";

/** A failed sign-in for `transaction`: shown to the person, audited with the internal reason. */
function signInFailure(transaction: UpstreamTransaction, status: 400 | 403 | 502 | 503, title: string, message: string, reason: string): Problem {
  return signInPageError(status, title, message, {
    detail: reason,
    audit: {
      projectId: transaction.projectId, actor: { kind: "anonymous" }, action: "login.failure",
      target: { type: "provider", id: transaction.providerId }, outcome: "failure", reason,
    },
  });
}

/**
 * What the code exchange, the ID token check or userinfo threw, as a page (upstream-failure.ts):
 * an outage is 503, a refusal 502 audited as `<check>: <detail>`; anything else is rethrown, a 500.
 */
function upstreamFailure(transaction: UpstreamTransaction, error: unknown): Problem {
  const failure = classifyUpstreamFailure(error);
  if (!failure) throw error;
  if (failure.outcome === "unavailable") {
    return signInFailure(transaction, 503, "Identity provider unavailable", "Your identity provider did not answer in time. Please try again in a moment.", `unavailable: ${failure.detail}`);
  }
  if (failure.code === "refused") {
    return signInFailure(transaction, 502, "Sign-in failed", "Your identity provider refused to complete the sign-in. Please start again.", `refused: ${failure.detail}`);
  }
  return signInFailure(transaction, 502, "Sign-in failed", UNTRUSTED, `${failure.code}: ${failure.detail}`);
}

/** Redeems the upstream code and resolves the person it names to a Fedgate user. */
async function signedIn(c: Context<AppEnv>, provider: Provider, transaction: UpstreamTransaction): Promise<SignedIn> {
  const { config, store } = c.var;
  const kind = providerKind(provider.kind);
  // The URL the provider was told to return to, never the Host this request came in on (AS-13).
  const current = new URL(callbackUrl(config.issuer, provider));
  current.search = new URL(c.req.url).search;

  let upstream: RedeemedCode;
  try {
    upstream = await redeemUpstreamCode(provider, transaction, current, new Sealer(config.encryptionKey));
  } catch (error) {
    throw upstreamFailure(transaction, error);
  }
  if (!upstream.ok) throw signInFailure(transaction, 502, "Sign-in failed", UNTRUSTED, `${upstream.reason}: ${upstream.detail}`);
  const { claims, userinfo } = upstream;

  const identity = kind.normalise(claims, userinfo, provider);
  if (!identity.ok) throw signInFailure(transaction, 502, "Sign-in failed", UNTRUSTED, `${identity.reason}: ${identity.detail}`);
  const resolution = await resolveUser(store, { projectId: provider.projectId, provider, identity: identity.value, authority: kind, now: new Date().toISOString() });
  if (!resolution.ok) throw signInFailure(transaction, 403, "You cannot sign in", resolution.message, resolution.reason);

  const { id, email, emailVerified, name } = resolution.user;
  return {
    projectId: provider.projectId,
    providerId: provider.id,
    user: { id, email, emailVerified, name },
    roles: effectiveRoles(resolution.user),
    // The provider's word on when the person authenticated; without one, now (they just came back from it).
    authTime: Number.isSafeInteger(claims.auth_time) ? (claims.auth_time as number) : Math.floor(Date.now() / 1000),
    ...authenticationContext(provider, claims),
    requestId: transaction.requestId,
    outcome: resolution.outcome,
    via: resolution.via,
  };
}

/** The callback route; `onSignedIn` completes the downstream authorization for the person signed in. */
export const callbackRoutes = (options: { onSignedIn: OnSignedIn }) =>
  new Hono<AppEnv>().get("/callback/:providerId", rateLimit({ name: "callback", limits: (config) => config.rateLimits.signIn }), async (c) => {
    const state = c.req.query("state");
    const transaction = state ? await c.get("store").take<UpstreamTransaction>(keys.upstreamTransaction(state)) : null;
    if (!state || !transaction || transaction.providerId !== c.req.param("providerId")) {
      throw signInPageError(400, "Sign-in expired", "This sign-in link is no longer valid. Go back to the application and start again.");
    }
    const cookie = bindingCookie(state);
    const binding = getCookie(c, cookie);
    deleteCookie(c, cookie, { path: "/auth/callback" });
    const provider = await getProvider(c.get("store"), transaction.projectId, transaction.providerId);
    // The browser that started the login must be the one finishing it: no login injection (RP-1).
    if (!binding || (await sha256(binding)) !== transaction.bindingHash) {
      throw signInFailure(transaction, 400, "Sign-in could not be verified", "This sign-in was started in another browser or tab. Start again from the application.", "binding cookie missing or wrong");
    }
    if (!provider) throw signInFailure(transaction, 400, "Sign-in is not set up", "This identity provider no longer exists.", "provider deleted");
    // A console test sign-in: reported back to the console, nothing written, nothing issued.
    if (transaction.test) return finishTestSignIn(c, provider, { ...transaction, test: transaction.test });
    const upstreamError = c.req.query("error");
    if (upstreamError) {
      throw signInFailure(transaction, 403, "Sign-in was not completed", "Your identity provider did not sign you in (you may have cancelled). Start again from the application.", `upstream error: ${upstreamError.slice(0, 100)}`);
    }
    return options.onSignedIn(c, await signedIn(c, provider, transaction));
  });
