/**
 * A test sign-in at a provider, for the admin console (README "Admin console"): a real upstream
 * login (state, nonce, PKCE, the browser-binding cookie, code exchange and ID token checks exactly as
 * for a sign-in) whose upstream transaction is marked as a test, so the callback hands it here
 * instead of to the authorization server. Here the claims are kept with the decision linking *would*
 * take (identity/linking.ts `previewResolution`), and nothing is written: no user created or
 * linked, no code or token issued. The outcome is stored for 10 minutes under a random id, readable
 * only by the actor who started it (the admin API checks), and the browser goes back to the console.
 */
import type { Context } from "hono";
import * as oauth from "oauth4webapi";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { previewResolution, type LinkPreview } from "../identity/linking";
import { mappedRolesFor } from "../identity/roles";
import type { Provider } from "../registry/providers";
import { Sealer } from "../security/encryption";
import * as keys from "../store/keys";
import { redeemUpstreamCode } from "./code-exchange";
import { bindingCookie, type TestMarker, type UpstreamTransaction } from "./login";
import { providerKind } from "./providers";
import { authorizationUrl, callbackUrl, upstreamServer } from "./upstream";
import { classifyUpstreamFailure } from "./upstream-failure";

const TTL_MS = 10 * 60_000;

/** Who started a test: only they may read its outcome. */
export type TestRequester = Pick<TestMarker, "actor" | "session">;

/** A test sign-in's outcome: what the provider said, and what linking would decide. */
export type TestSignInResult = { testId: string; projectId: string; providerId: string; requester: TestRequester; at: string } & (
  | {
    ok: true;
    /** `roles`: what the provider's role mappings would grant (identity/roles.ts). */
    claims: { subject: string; email: string | null; emailVerified: boolean; name: string | null; username: string | null; hostedDomain: string | null; groups: string[]; roles: string[] };
    /** The raw claims, ID token over userinfo (no tokens). */
    raw: Record<string, unknown>;
    linking: LinkPreview;
  }
  | { ok: false; stage: "upstream" | "claims"; reason: string }
);

/** Starts a test: the transaction stored (with the binding hash the caller's browser cookie matches), and where to send the browser. */
export async function startTestSignIn(
  c: Context<AppEnv>, provider: Provider, test: TestRequester & { returnTo: string; bindingHash: string },
): Promise<{ testId: string; authorizationUrl: string; bindingCookie: string }> {
  const { config, store } = c.var;
  const server = await upstreamServer(provider, new Sealer(config.encryptionKey)).catch((error: unknown) => {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error; // a bug stays a 500
    throw failure.outcome === "unavailable"
      ? new Problem(503, "Identity provider unavailable", { description: "The provider's discovery document could not be fetched in time. Try again shortly.", detail: failure.detail })
      : new Problem(502, "Identity provider not usable", { description: "The provider's discovery document could not be used.", detail: failure.detail });
  });
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const testId = oauth.generateRandomState();
  const transaction: UpstreamTransaction = {
    state, projectId: provider.projectId, providerId: provider.id, requestId: "", codeVerifier, nonce, bindingHash: test.bindingHash, createdAt: Date.now(),
    test: { testId, returnTo: test.returnTo, actor: test.actor, session: test.session },
  };
  await store.set(keys.upstreamTransaction(state), transaction, { ttlMs: TTL_MS });
  const url = authorizationUrl(server, {
    redirect_uri: callbackUrl(config.issuer, provider), scope: provider.scopes.join(" "), state, nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: "S256",
    // A test is about this person's upstream account now: ask the provider to sign in afresh.
    prompt: "login",
  });
  return { testId, authorizationUrl: url.href, bindingCookie: bindingCookie(state) };
}

/** The callback's end for a test transaction: the outcome stored, the browser sent back to the console. */
export async function finishTestSignIn(c: Context<AppEnv>, provider: Provider, transaction: UpstreamTransaction & { test: TestMarker }): Promise<Response> {
  const { config, store } = c.var;
  const { testId, returnTo, actor, session } = transaction.test;
  const base = { testId, projectId: provider.projectId, providerId: provider.id, requester: { actor, session }, at: new Date().toISOString() };
  const result = await outcome(c, provider, transaction).catch((error: unknown): TestSignInResult => {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error;
    return { ...base, ok: false, stage: "upstream", reason: failure.outcome === "unavailable" ? `unavailable: ${failure.detail}` : `${failure.code}: ${failure.detail}` };
  });
  await store.set(keys.providerTest(testId), result, { ttlMs: TTL_MS });
  c.header("Cache-Control", "no-store");
  return c.redirect(`${config.issuer}${returnTo}?test=${testId}`, 303);

  async function outcome(c: Context<AppEnv>, provider: Provider, transaction: UpstreamTransaction): Promise<TestSignInResult> {
    const upstreamError = c.req.query("error");
    if (upstreamError) return { ...base, ok: false, stage: "upstream", reason: `upstream error: ${upstreamError.slice(0, 100)}` };
    const current = new URL(callbackUrl(config.issuer, provider));
    current.search = new URL(c.req.url).search;
    const redeemed = await redeemUpstreamCode(provider, transaction, current, new Sealer(config.encryptionKey));
    if (!redeemed.ok) return { ...base, ok: false, stage: "claims", reason: `${redeemed.reason}: ${redeemed.detail}` };
    const kind = providerKind(provider.kind);
    const identity = kind.normalise(redeemed.claims, redeemed.userinfo, provider);
    if (!identity.ok) return { ...base, ok: false, stage: "claims", reason: `${identity.reason}: ${identity.detail}` };
    const { subject, email, emailVerified, name, username, hostedDomain, groups, raw } = identity.value;
    const linking = await previewResolution(store, { projectId: provider.projectId, provider, identity: identity.value, authority: kind });
    const roles = mappedRolesFor(provider, identity.value);
    return { ...base, ok: true, claims: { subject, email, emailVerified, name, username, hostedDomain, groups, roles }, raw, linking };
  }
}

/** A test's outcome, or null when it expired, never was, or belongs to another actor. */
export async function readTestSignIn(c: Context<AppEnv>, projectId: string, providerId: string, testId: string, actor: string): Promise<TestSignInResult | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(testId)) return null;
  const result = await c.get("store").get<TestSignInResult>(keys.providerTest(testId));
  return result && result.projectId === projectId && result.providerId === providerId && result.requester.actor === actor ? result : null;
}
