/** Endpoints around the tokens: discovery, JWKS, userinfo, revocation, introspection, tokeninfo, logout. */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { findClient, findUserById, redirectAllowed } from "./data";
import { authenticateClient, endpointUrl, guarded, issuerOf, noStoreJson, origin, readParams, type Ctx } from "./http";
import { jwks } from "./keys";
import { errorPage } from "./pages";
import { anyToken, getGrant, liveToken, nowSeconds, revokeGrant, type TokenRecord } from "./store";
import { globalSwitches, switchesFor } from "./switches";
import { EmuError, type Endpoint, type Grant, type IntrospectionContext, type Provider, type User } from "./types";

/** GET {issuer}/.well-known/openid-configuration, bent by the global `discovery` switch. */
export function discovery(c: Ctx, p: Provider): Response {
  const doc = p.discovery(issuerOf(c, p), (e: Endpoint) => endpointUrl(c, p, e));
  const bend = globalSwitches(p.id).discovery;
  const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=60" };
  if (bend === "invalid-json") return new Response('{"issuer": ', { headers });
  if (bend === "issuer-mismatch") doc["issuer"] = `${origin(c)}/not-${p.id}`;
  if (bend === "missing-jwks-uri") delete doc["jwks_uri"];
  return new Response(JSON.stringify(doc), { headers });
}

export async function keys(c: Ctx, p: Provider): Promise<Response> {
  const body = await jwks(p.id, globalSwitches(p.id).jwks === "single");
  return c.json(body, 200, { "cache-control": "public, max-age=60" });
}

/** Resolves a live token to its grant and user, or undefined. */
function resolve(token: string | undefined, p: Provider): { rec: TokenRecord; grant: Grant; user: User } | undefined {
  const rec = token ? liveToken(token) : undefined;
  if (!rec || rec.provider !== p.id) return undefined;
  const grant = getGrant(rec.grantId);
  const user = grant ? findUserById(p.tenant, grant.userId) : undefined;
  return grant && user ? { rec, grant, user } : undefined;
}

function bearer(c: Ctx): string | undefined {
  const h = c.req.header("authorization");
  return h?.toLowerCase().startsWith("bearer ") ? h.slice(7).trim() : undefined;
}

/** GET/POST userinfo with a Bearer access token issued with `openid`. */
export function userinfo(c: Ctx, p: Provider): Promise<Response> {
  return guarded(p, "userinfo", async () => {
    const found = resolve(bearer(c), p);
    if (!found || found.rec.kind !== "access" || !found.grant.scope.includes("openid")) throw new EmuError("token_invalid");
    const sw = switchesFor(p.id, found.rec.clientId);
    const user = sw.emailUnverified ? { ...found.user, emailVerified: false } : found.user;
    const claims = p.userinfo({ user, grant: found.grant });
    if (sw.userinfoSub !== undefined) claims["sub"] = sw.userinfoSub;
    return noStoreJson(claims, 200, p.userinfoHeaders ?? {});
  });
}

/** RFC 7009 revocation, with each provider's rules about client auth, token types and unknown tokens. */
export function revoke(c: Ctx, p: Provider): Promise<Response> {
  return guarded(p, "revoke", async () => {
    const params = await readParams(c);
    const client = p.revocation.clientAuth ? authenticateClient(p, c, params).client : undefined;
    const token = params["token"];
    if (!token) throw new EmuError("invalid_request", "token is required");
    const rec = liveToken(token);
    const mine = rec && rec.provider === p.id && (!client || rec.clientId === client.clientId);
    if (!rec || !mine) {
      if (p.revocation.unknownIsError) throw new EmuError("token_invalid");
      if (p.revocation.refreshOnly && anyToken(token) && anyToken(token)?.kind !== "refresh") throw new EmuError("unsupported_token_type");
      return new Response(null, { status: 200 });
    }
    if (p.revocation.refreshOnly && rec.kind !== "refresh") throw new EmuError("unsupported_token_type");
    // Revoking a refresh token (or, at Google, any token) ends the grant; otherwise only that token.
    if (rec.kind === "refresh" || p.id === "google") revokeGrant(rec.grantId);
    else rec.revoked = true;
    return new Response(null, { status: 200 });
  });
}

function introspectionContext(c: Ctx, p: Provider, token: string, found: { rec: TokenRecord; grant: Grant; user: User }): IntrospectionContext {
  const user = switchesFor(p.id, found.rec.clientId).emailUnverified ? { ...found.user, emailVerified: false } : found.user;
  return {
    issuer: issuerOf(c, p),
    token,
    kind: found.rec.kind,
    grant: found.grant,
    user,
    issuedAt: found.rec.issuedAt,
    expiresAt: found.rec.expiresAt,
    now: nowSeconds(),
  };
}

/** Okta's RFC 7662 introspection: client auth required; another client's token is inactive. */
export function introspect(c: Ctx, p: Provider): Promise<Response> {
  return guarded(p, "introspect", async () => {
    const params = await readParams(c);
    const { client } = authenticateClient(p, c, params);
    const token = params["token"];
    if (!token) throw new EmuError("invalid_request", "token is required");
    const found = resolve(token, p);
    if (!found || found.rec.clientId !== client.clientId || !p.introspection) return noStoreJson({ active: false });
    return noStoreJson(p.introspection(introspectionContext(c, p, token, found)));
  });
}

/** Google's tokeninfo for `access_token` or `id_token`. */
export function tokeninfo(c: Ctx, p: Provider): Promise<Response> {
  return guarded(p, "tokeninfo", async () => {
    const params = await readParams(c);
    const token = params["access_token"] ?? params["id_token"];
    const wantId = params["id_token"] !== undefined && params["access_token"] === undefined;
    const found = resolve(token, p);
    if (!token || !found || !p.tokeninfo || found.rec.kind !== (wantId ? "id" : "access")) throw new EmuError("token_invalid");
    const ctx = introspectionContext(c, p, token, found);
    if (!wantId) return noStoreJson(p.tokeninfo(ctx));
    return noStoreJson(p.tokeninfo({ ...ctx, idTokenClaims: decodeJwt(token), idTokenHeader: decodeProtectedHeader(token) }));
  });
}

/** RP-initiated logout: redirects only to a registered post-logout URI. */
export async function logout(c: Ctx, p: Provider): Promise<Response> {
  const cfg = p.logout;
  if (!cfg) return c.notFound();
  let params: Record<string, string>;
  try {
    params = await readParams(c);
  } catch {
    return c.html(errorPage("Bad request", "Unreadable logout request."), 400);
  }
  let clientId = params["client_id"];
  const hint = params["id_token_hint"];
  if (!clientId && hint) {
    try {
      const aud = decodeJwt(hint).aud;
      clientId = Array.isArray(aud) ? aud[0] : aud;
    } catch {
      return c.html(errorPage("invalid_request", "The id_token_hint is not a JWT."), 400);
    }
  }
  const target = params[cfg.redirectParam];
  if (!target) return c.html(errorPage("Signed out", "You have been signed out."), 200);
  const client = clientId ? findClient(p.tenant, clientId) : undefined;
  if (!client || !redirectAllowed(client, target, client.postLogoutRedirectUris ?? [])) {
    return c.html(errorPage("invalid_request", `The ${cfg.redirectParam} is not registered for this client.`), 400);
  }
  const url = new URL(target);
  if (cfg.passState && params["state"] !== undefined) url.searchParams.set("state", params["state"]);
  return new Response(null, { status: 302, headers: { location: url.href, "cache-control": "no-store" } });
}
