/**
 * The demo app: a downstream app that signs people in through Fedgate with openid-client, the way
 * any app integrates (authorization code + PKCE, state, nonce, refresh, RP-initiated logout).
 *
 *   POST /login     → 303 to Fedgate's authorize endpoint; state, nonce and PKCE verifier sealed in a cookie
 *   GET  /callback  ← Fedgate's 303 with code, state, iss: exchange the code, keep the tokens in a sealed cookie
 *   GET  /          signed out: a "Sign in" button; signed in: the ID and access token claims (or, when
 *                   back-channel logout said its Fedgate session ended: the cookie goes, "You were signed out")
 *   POST /refresh   refresh_token grant; shows the new tokens
 *   POST /logout    forget the tokens, revoke the refresh token, then Fedgate's end_session_endpoint when discovery lists one
 *   POST /backchannel-logout  ← Fedgate, server to server (OpenID Connect Back-Channel Logout 1.0): a logout
 *                   token, verified against Fedgate's JWKS; its `sid` is recorded as ended (src/logouts.ts)
 */
import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import type { JSX } from "hono/jsx/jsx-runtime";
import { decodeJwt } from "jose";
import { recordLogout, wasEnded } from "./logouts";
import { client, configuration, redirectUri, SCOPE, verifyAccessToken, verifyLogoutToken, type DemoEnv } from "./oidc";
import { clear, seal, unseal, type CookieOptions } from "./session";
import { Failure, SignedIn, SignedOut, STYLE } from "./views";

type Ctx = Context<{ Bindings: DemoEnv }>;

/** The pending sign-in, for the callback only. */
const TX = "demo_tx";
interface Transaction {
  [claim: string]: unknown;
  code_verifier: string;
  state: string;
  nonce: string;
}

/** The signed-in session: Fedgate's tokens. */
const SESSION = "demo_session";
interface Session {
  [claim: string]: unknown;
  access_token: string;
  id_token: string;
  refresh_token?: string | undefined;
  refreshed_at?: number | undefined;
}

const cookie = (c: Ctx, path: string, maxAge: number): CookieOptions => ({ path, maxAge, secure: c.env.APP_URL.startsWith("https:") });

function html(c: Ctx, page: JSX.Element, status: 200 | 400 | 502 = 200) {
  return c.html(`<!doctype html>\n${page}`, status, { "Cache-Control": "no-store" });
}

/** A readable message from what openid-client throws (an error redirect, an error response, a failed check). */
function describe(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The env with the client id, or undefined when the demo was started without one. */
const configured = (env: DemoEnv) => (env.CLIENT_ID ? { ...env, CLIENT_ID: env.CLIENT_ID } : undefined);

const app = new Hono<{ Bindings: DemoEnv }>();

app.use(async (c, next) => {
  await next();
  // No script anywhere. No form-action: browsers apply it to the redirects after a submission too,
  // and "Sign in" goes on from Fedgate to whichever identity provider the person belongs to.
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.header("X-Content-Type-Options", "nosniff");
  // Never leak the callback URL (it holds the code) to another origin; same-origin keeps Origin on our POSTs.
  c.header("Referrer-Policy", "same-origin");
});
// The POST routes change the session: only forms on this origin may post them. Back-channel logout is
// Fedgate's server calling, with no Origin and no cookies: its signed token is what it is checked by.
const sameOrigin = csrf({ origin: (origin, c) => origin === c.env.APP_URL });
app.use((c, next) => (c.req.path === "/backchannel-logout" ? next() : sameOrigin(c, next)));

app.get("/style.css", (c) => c.body(STYLE, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300" }));

app.get("/", async (c) => {
  const env = configured(c.env);
  const session = await unseal<Session>(c, SESSION, c.env.SESSION_SECRET);
  if (!env || !session) return html(c, <SignedOut issuer={c.env.ISSUER} configured={!!env} />);
  const idClaims = decodeJwt(session.id_token); // validated when it was received
  if (await wasEnded(c.env.ENDED_SESSIONS, idClaims)) {
    // Fedgate told us (back-channel logout) that the session these tokens came from ended.
    clear(c, SESSION, "/");
    return html(c, <SignedOut issuer={c.env.ISSUER} configured notice="You were signed out: your Fedgate session ended (an admin, or another app, signed you out)." />);
  }
  const config = await configuration(env);
  const accessClaims = await verifyAccessToken(config, session.access_token).catch((error: unknown) => ({ invalid: describe(error) }));
  return html(
    c,
    <SignedIn
      idClaims={idClaims}
      accessClaims={accessClaims}
      hasRefreshToken={!!session.refresh_token}
      refreshedAt={session.refreshed_at}
    />,
  );
});

app.post("/login", async (c) => {
  const env = configured(c.env);
  if (!env) return c.redirect("/", 303);
  const config = await configuration(env);
  const tx: Transaction = { code_verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
  const form = await c.req.parseBody();
  const loginHint = typeof form.login_hint === "string" ? form.login_hint.trim() : "";
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(env),
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(tx.code_verifier),
    code_challenge_method: "S256",
    state: tx.state,
    nonce: tx.nonce,
    ...(loginHint ? { login_hint: loginHint } : {}),
  });
  await seal(c, TX, tx, cookie(c, "/callback", 600), env.SESSION_SECRET);
  return c.redirect(url.href, 303);
});

app.get("/callback", async (c) => {
  const env = configured(c.env);
  const tx = await unseal<Transaction>(c, TX, c.env.SESSION_SECRET);
  clear(c, TX, "/callback"); // single use
  if (!env || !tx) return html(c, <Failure message="This sign-in was not started here, or took longer than 10 minutes. Start again." />, 400);
  try {
    const config = await configuration(env);
    // The registered redirect URI with the query Fedgate sent: openid-client checks state and iss
    // (RFC 9207), redeems the code with the PKCE verifier, and validates the ID token and its nonce.
    const tokens = await client.authorizationCodeGrant(config, new URL(redirectUri(env) + new URL(c.req.url).search), {
      pkceCodeVerifier: tx.code_verifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    });
    const session: Session = { access_token: tokens.access_token, id_token: tokens.id_token!, refresh_token: tokens.refresh_token };
    await seal(c, SESSION, session, cookie(c, "/", 24 * 3600), env.SESSION_SECRET);
    return c.redirect("/", 303);
  } catch (error) {
    return html(c, <Failure message={describe(error)} />, 502);
  }
});

app.post("/refresh", async (c) => {
  const env = configured(c.env);
  const session = await unseal<Session>(c, SESSION, c.env.SESSION_SECRET);
  if (!env || !session?.refresh_token) return c.redirect("/", 303);
  try {
    // Fedgate rotates refresh tokens (AS-4): the old one is spent, keep the new one.
    const tokens = await client.refreshTokenGrant(await configuration(env), session.refresh_token);
    const refreshed: Session = {
      access_token: tokens.access_token,
      id_token: tokens.id_token ?? session.id_token,
      refresh_token: tokens.refresh_token ?? session.refresh_token,
      refreshed_at: Math.floor(Date.now() / 1000),
    };
    await seal(c, SESSION, refreshed, cookie(c, "/", 24 * 3600), env.SESSION_SECRET);
    return c.redirect("/", 303);
  } catch (error) {
    clear(c, SESSION, "/");
    return html(c, <Failure message={`Refreshing failed (${describe(error)}). Sign in again.`} />, 502);
  }
});

app.post("/logout", async (c) => {
  const env = configured(c.env);
  const session = await unseal<Session>(c, SESSION, c.env.SESSION_SECRET);
  clear(c, SESSION, "/");
  if (!env || !session) return c.redirect("/", 303);
  const config = await configuration(env);
  // A signed-out app has no use for its refresh token: revoke it (RFC 7009) before leaving.
  if (session.refresh_token && config.serverMetadata().revocation_endpoint) {
    await client.tokenRevocation(config, session.refresh_token, { token_type_hint: "refresh_token" }).catch(() => undefined);
  }
  if (!config.serverMetadata().end_session_endpoint) return c.redirect("/", 303);
  // RP-initiated logout: Fedgate ends its side and returns to the registered post-logout URI.
  const url = client.buildEndSessionUrl(config, { id_token_hint: session.id_token, post_logout_redirect_uri: `${env.APP_URL}/` });
  return c.redirect(url.href, 303);
});

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.5-2.8: Fedgate posts `logout_token` (form-encoded) when a
 * session this app signed in with ends. 200 once recorded; 400 for anything that is not a valid
 * logout token for this app (Fedgate audits it and retries a while); never cached.
 */
app.post("/backchannel-logout", async (c) => {
  const env = configured(c.env);
  const noStore = { "Cache-Control": "no-store" };
  const refuse = (description: string) => c.json({ error: "invalid_request", error_description: description }, 400, noStore);
  if (!env) return refuse("this app has no client id");
  const type = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return refuse("expected an application/x-www-form-urlencoded body");
  const logoutToken = new URLSearchParams(await c.req.text()).get("logout_token");
  if (!logoutToken) return refuse("no logout_token");
  let ended: Awaited<ReturnType<typeof verifyLogoutToken>>;
  try {
    ended = await verifyLogoutToken(await configuration(env), logoutToken);
  } catch (error) {
    return refuse(`invalid logout_token: ${describe(error)}`);
  }
  await recordLogout(c.env.ENDED_SESSIONS, ended);
  return c.body(null, 200, noStore);
});

export default app;
