/**
 * Signing in to the console through Fedgate itself: authorization code + PKCE (S256) against this
 * issuer's own `/oauth2/authorize`, as the operator project's console client (CONSOLE_CLIENT_ID), so
 * the person signs in through that project's providers like any other user.
 *
 * The client is public (no secret): its one redirect URI is Fedgate's own `/console/callback`, the
 * code is redeemed in process (never crosses the network), and PKCE binds it to this browser's
 * verifier, so a secret would add nothing but another thing to store and rotate.
 *
 * `state`, `nonce` and the verifier travel in a sealed (AES-256-GCM), HttpOnly cookie that lives ten
 * minutes; the callback accepts only the `state` it holds and an ID token with its `nonce`.
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { base64url, createLocalJWKSet, errors, jwtVerify } from "jose";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { Sealer } from "../security/encryption";
import { secretsEqual } from "../security/compare";
import { tokenRequest, type FetchApp } from "./in-process";
import { createSession, readSession } from "./session";

export const CONSOLE_BASE = "/console";
const LOGIN_TTL_S = 600;
const SEAL_CONTEXT = "console-login";
/** Asked of the console's client: who the person is, and a refresh token so sessions outlive one access token. */
const SCOPE = "openid email profile offline_access";

interface LoginTransaction {
  state: string;
  nonce: string;
  verifier: string;
  /** The console page to return to. */
  returnTo: string;
  expiresAt: number;
}

const loginCookie = (issuer: string) => (issuer.startsWith("https:") ? "__Host-fedgate-console-login" : "fedgate-console-login");
const random = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
export const callbackUri = (issuer: string) => `${issuer}${CONSOLE_BASE}/callback`;

/** A console path to come back to after sign-in; anything else (another site, `//host`) is the console's home. */
export function safeReturn(path: string | undefined): string {
  return path && /^\/console(\/[A-Za-z0-9._~%/-]*)?$/.test(path) && !path.includes("//") ? path : `${CONSOLE_BASE}/projects`;
}

const failed = (status: 400 | 403 | 502 | 503, message: string, detail?: string) =>
  new Problem(status, "Sign-in to the console failed", { description: message, present: { as: "page", title: "Sign-in to the console failed" }, ...(detail ? { detail } : {}) });

/** `GET /console/login`: sends the browser to Fedgate's own authorization endpoint (303). */
export async function startLogin(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const tx: LoginTransaction = { state: random(), nonce: random(), verifier: random(), returnTo: safeReturn(c.req.query("return")), expiresAt: Date.now() + LOGIN_TTL_S * 1000 };
  const challenge = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tx.verifier))));
  const sealed = await new Sealer(config.encryptionKey).seal(JSON.stringify(tx), SEAL_CONTEXT);
  setCookie(c, loginCookie(config.issuer), sealed, { httpOnly: true, secure: config.issuer.startsWith("https:"), sameSite: "Lax", path: "/", maxAge: LOGIN_TTL_S });
  const params = new URLSearchParams({
    response_type: "code", client_id: config.console!.clientId, redirect_uri: callbackUri(config.issuer), scope: SCOPE,
    state: tx.state, nonce: tx.nonce, code_challenge: challenge, code_challenge_method: "S256",
  });
  c.header("Cache-Control", "no-store");
  return c.redirect(`/oauth2/authorize?${params}`, 303);
}

/** The login transaction this browser holds, if it is intact and not expired. */
async function openTransaction(c: Context<AppEnv>): Promise<LoginTransaction | null> {
  const config = c.get("config");
  const sealed = getCookie(c, loginCookie(config.issuer));
  if (!sealed) return null;
  deleteCookie(c, loginCookie(config.issuer), { path: "/", secure: config.issuer.startsWith("https:") });
  try {
    const tx = JSON.parse(await new Sealer(config.encryptionKey).open(sealed, SEAL_CONTEXT)) as LoginTransaction;
    return tx.expiresAt > Date.now() ? tx : null;
  } catch {
    return null; // tampered with, or sealed under another key
  }
}

/** The ID token's claims, verified against Fedgate's own published keys: issuer, audience, expiry, nonce. */
async function verifyIdToken(c: Context<AppEnv>, idToken: string, nonce: string) {
  const config = c.get("config");
  const published = await c.get("signingKeys").publicKeys();
  try {
    const { payload } = await jwtVerify(idToken, createLocalJWKSet({ keys: published }), {
      issuer: config.issuer, audience: config.console!.clientId, algorithms: ["ES256", "RS256"], requiredClaims: ["sub", "exp", "iat"],
    });
    if (typeof payload["nonce"] !== "string" || !(await secretsEqual(payload["nonce"], nonce))) throw new errors.JWTClaimValidationFailed("nonce mismatch", payload, "nonce", "check_failed");
    return payload as { sub: string; email?: unknown; name?: unknown };
  } catch (error) {
    if (error instanceof errors.JOSEError) throw failed(502, "Fedgate's answer could not be verified. Start again.", `ID token refused: ${String(error)}`);
    throw error;
  }
}

/** `GET /console/callback`: checks `state`, redeems the code in process, verifies the ID token, starts the session. */
export async function finishLogin(c: Context<AppEnv>, fetchApp: FetchApp): Promise<Response> {
  const config = c.get("config");
  const tx = await openTransaction(c);
  const state = c.req.query("state");
  if (!tx || state === undefined || !(await secretsEqual(state, tx.state))) {
    throw failed(400, "This sign-in link is not valid here or has expired. Start again from the console.", tx ? "state mismatch" : "no login transaction");
  }
  if (c.req.query("iss") !== undefined && c.req.query("iss") !== config.issuer) throw failed(400, "This sign-in answer is not from this Fedgate.", "iss mismatch");
  const error = c.req.query("error");
  if (error !== undefined) throw failed(error === "access_denied" ? 403 : 400, c.req.query("error_description") ?? "Sign-in was refused.", `authorization error ${error}`);
  const code = c.req.query("code");
  if (!code) throw failed(400, "The sign-in answer carries no code. Start again.");

  const answer = await tokenRequest(c, fetchApp, { grant_type: "authorization_code", code, redirect_uri: callbackUri(config.issuer), code_verifier: tx.verifier });
  if (!answer.ok) {
    throw answer.status >= 500
      ? failed(503, "Fedgate could not finish the sign-in just now. Try again shortly.", `token ${answer.status} ${answer.error}`)
      : failed(400, "The sign-in could not be completed. Start again.", `token ${answer.status} ${answer.error}: ${answer.description ?? ""}`);
  }
  if (!answer.id_token) throw failed(502, "Fedgate's answer had no ID token.", "no id_token");
  const claims = await verifyIdToken(c, answer.id_token, tx.nonce);
  // A session this browser still had is replaced, not left behind (no fixation, nothing orphaned).
  const previous = await readSession(c);
  if (previous) await c.get("store").delete(previous.key);
  await createSession(
    c,
    { userId: claims.sub, email: typeof claims.email === "string" ? claims.email : null, name: typeof claims.name === "string" ? claims.name : null },
    { accessToken: answer.access_token, expiresInS: answer.expires_in, ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}) },
  );
  c.header("Cache-Control", "no-store");
  return c.redirect(tx.returnTo, 303);
}
