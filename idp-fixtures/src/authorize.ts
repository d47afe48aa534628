/**
 * The authorization endpoint (code flow only): validates client and redirect URI (error page before,
 * error redirect after), PKCE and scope, then signs the user in through the HTML form or, for
 * automated tests only, `login_hint` + `test_password`.
 */
import { findClient, findUserByEmail, redirectAllowed } from "./data";
import { issuerOf, readParams, type Ctx } from "./http";
import { errorPage, signInPage } from "./pages";
import { recordAuthorizationRequest } from "./requests";
import { dropPending, getPending, nowSeconds, randomId, saveCode, saveGrant, savePending, type PendingAuthorization } from "./store";
import { switchesFor } from "./switches";
import { EmuError, type AuthOutcome, type Grant, type Provider, type User } from "./types";

const PENDING_TTL = 600;

function redirectTo(uri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.href, "cache-control": "no-store" } });
}

function authenticate(p: Provider, email: string | undefined, password: string | undefined): User | undefined {
  if (!email || password === undefined) return undefined;
  const user = findUserByEmail(p.tenant, email);
  return user && user.password === password ? user : undefined;
}

/**
 * What the sign-in achieved: the provider's answer to `acr_values` under the `mfa` switch. Providers
 * that ignore `acr_values` (Google, Cognito) do MFA only under `mfa: "always"` and report nothing.
 */
function assurance(p: Provider, req: PendingAuthorization): AuthOutcome {
  const mfa = switchesFor(p.id, req.clientId).mfa;
  return p.assurance ? p.assurance(req.acrValues, mfa) : { mfa: mfa === "always" };
}

/** Issues the code and sends the browser back to the client. */
function complete(c: Ctx, p: Provider, req: PendingAuthorization, user: User): Response {
  const now = nowSeconds();
  const outcome = assurance(p, req);
  if ("error" in outcome) {
    // The user signed in but cannot meet the requirement (Okta: unmet_authentication_requirements).
    return redirectTo(req.redirectUri, { error: outcome.error, error_description: outcome.description, state: req.state });
  }
  const grant: Grant = {
    id: randomId(12),
    provider: p.id,
    clientId: req.clientId,
    userId: user.id,
    scope: req.scope,
    // No browser session here: `authAge` stands in for one the provider reused without re-authenticating.
    authTime: now - (switchesFor(p.id, req.clientId).authAge ?? 0),
    mfa: outcome.mfa,
    acrValues: req.acrValues,
    sid: randomId(16),
    revoked: false,
    offline: req.offline,
  };
  if (outcome.acr !== undefined) grant.acr = outcome.acr;
  if (outcome.amr !== undefined) grant.amr = outcome.amr;
  if (req.maxAge !== undefined) grant.maxAge = req.maxAge;
  if (req.nonce !== undefined) grant.nonce = req.nonce;
  if (req.audience !== undefined) grant.audience = req.audience;
  saveGrant(grant);
  const code = randomId(32);
  saveCode(code, {
    grantId: grant.id,
    provider: p.id,
    clientId: req.clientId,
    redirectUri: req.redirectUri,
    ...(req.codeChallenge !== undefined ? { codeChallenge: req.codeChallenge, codeChallengeMethod: req.codeChallengeMethod ?? "plain" } : {}),
    expiresAt: now + p.codeTtl,
    used: false,
  });
  return redirectTo(req.redirectUri, {
    code,
    state: req.state,
    ...p.authorizationResponseExtras({ issuer: issuerOf(c, p), grant }),
  });
}

function formResponse(c: Ctx, p: Provider, tx: string, req: PendingAuthorization, loginHint: string | undefined, error?: string): Response {
  const action = p.paths.authorize ?? "/";
  const html = signInPage({
    provider: p.id,
    action,
    tx,
    clientId: req.clientId,
    ...(loginHint !== undefined ? { loginHint } : {}),
    ...(error !== undefined ? { error } : {}),
  });
  return c.html(html, error ? 401 : 200, { "cache-control": "no-store" });
}

/** GET or POST {authorize path}. A POST carrying `tx` is the sign-in form coming back. */
export async function authorize(c: Ctx, p: Provider): Promise<Response> {
  let params: Record<string, string>;
  try {
    params = await readParams(c);
  } catch (err) {
    if (err instanceof EmuError) return c.html(errorPage("Bad request", err.message), 400);
    throw err;
  }
  if (c.req.method === "POST" && params["tx"]) return submitForm(c, p, params);

  // Recorded before any check, so a test also sees what a rejected request carried.
  if (params["client_id"]) recordAuthorizationRequest(p.id, params["client_id"], params);
  const client = params["client_id"] ? findClient(p.tenant, params["client_id"]) : undefined;
  if (!client) return c.html(errorPage("invalid_client", "Unknown or missing client_id."), 400);
  const redirectUri = params["redirect_uri"];
  if (!redirectUri || !redirectAllowed(client, redirectUri)) {
    return c.html(errorPage("redirect_uri_mismatch", "The redirect_uri is not registered for this client."), 400);
  }
  const state = params["state"];
  const fail = (error: string, description: string) => redirectTo(redirectUri, { error, error_description: description, state });

  if (params["response_type"] !== "code") return fail("unsupported_response_type", "The emulator supports response_type=code only.");
  const scope = (params["scope"] ?? "").split(" ").filter(Boolean);
  if (scope.length === 0) return fail("invalid_scope", "The authorization request must include a scope.");

  const challenge = params["code_challenge"];
  const method = (params["code_challenge_method"] ?? (challenge ? "plain" : undefined)) as "S256" | "plain" | undefined;
  if (challenge !== undefined) {
    if (method === undefined || !p.pkceMethods.includes(method)) {
      return fail("invalid_request", `Unsupported code_challenge_method: ${String(method)}.`);
    }
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) return fail("invalid_request", "Invalid code_challenge.");
  } else if (client.clientSecret === undefined) {
    return fail("invalid_request", "PKCE code_challenge is required for public clients.");
  }

  const req: PendingAuthorization = {
    provider: p.id,
    clientId: client.clientId,
    redirectUri,
    scope,
    offline: p.offline(params, scope),
    acrValues: (params["acr_values"] ?? "").split(" ").filter(Boolean),
    expiresAt: nowSeconds() + PENDING_TTL,
  };
  const maxAge = params["max_age"];
  if (maxAge !== undefined && /^\d{1,10}$/.test(maxAge)) req.maxAge = Number(maxAge);
  if (state !== undefined) req.state = state;
  if (params["nonce"] !== undefined) req.nonce = params["nonce"];
  if (challenge !== undefined && method !== undefined) {
    req.codeChallenge = challenge;
    req.codeChallengeMethod = method;
  }
  if (params["audience"] !== undefined && p.id === "auth0") req.audience = params["audience"];

  // No browser session, so prompt=none cannot be met, on the test path too, unless `authAge` says
  // the provider holds one (then the hinted user's session is reused without interaction).
  const sw = switchesFor(p.id, client.clientId);
  if (params["prompt"] === "none" && sw.authAge === undefined) return fail("login_required", "The user is not signed in.");

  // Non-interactive sign-in for automated tests (emulator only): login_hint + test_password.
  const testPassword = params["test_password"];
  if (testPassword !== undefined) {
    const user = authenticate(p, params["login_hint"], testPassword);
    if (user) return complete(c, p, req, user);
    if (params["prompt"] === "none") return fail("login_required", "The user is not signed in.");
    return formResponse(c, p, savePending(req), req, params["login_hint"], "Wrong email or password.");
  }
  if (params["prompt"] === "none") return fail("login_required", "The user is not signed in.");
  return formResponse(c, p, savePending(req), req, params["login_hint"]);
}

async function submitForm(c: Ctx, p: Provider, params: Record<string, string>): Promise<Response> {
  const tx = params["tx"] ?? "";
  const req = getPending(tx);
  if (!req || req.provider !== p.id) return c.html(errorPage("Sign-in expired", "Start again from the application."), 400);
  const user = authenticate(p, params["email"], params["password"]);
  if (!user) return formResponse(c, p, tx, req, params["email"], "Wrong email or password.");
  dropPending(tx);
  return complete(c, p, req, user);
}
