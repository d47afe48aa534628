/** The token endpoint: client authentication, grants dispatched from a map, and token minting with the switches. */
import { findUserById } from "./data";
import { authenticateClient, guarded, issuerOf, noStoreJson, readParams, type Ctx } from "./http";
import { signJwt } from "./keys";
import { getCode, getGrant, liveToken, nowSeconds, randomId, saveToken } from "./store";
import { applyClaimSwitches, switchesFor } from "./switches";
import { EmuError, type Client, type Grant, type Provider, type TokenContext } from "./types";

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** OIDC Core §3.1.3.6: left half of SHA-256 of the access token (jose has no helper for it). */
async function atHash(accessToken: string): Promise<string> {
  return b64url((await sha256(accessToken)).slice(0, 16));
}

/** RFC 7636 §4.6. */
async function pkceMatches(verifier: string, challenge: string, method: "S256" | "plain"): Promise<boolean> {
  if (method === "plain") return verifier === challenge;
  return b64url(await sha256(verifier)) === challenge;
}

/** Mints access, ID and (first time, if granted) refresh tokens for a grant, bent by the client's switches. */
async function mint(c: Ctx, p: Provider, client: Client, grant: Grant, refreshed?: string): Promise<Response> {
  const found = findUserById(p.tenant, grant.userId);
  if (!found) throw new EmuError("code_invalid", "user vanished");
  const sw = switchesFor(p.id, client.clientId);
  const user = sw.emailUnverified ? { ...found, emailVerified: false } : found;
  const now = nowSeconds();
  const ctx: TokenContext = { issuer: issuerOf(c, p), grant, user, client, now, jti: randomId(16), refresh: refreshed !== undefined };
  const signFor = (kind: "id_token" | "access_token") => (!sw.tokens || sw.tokens.includes(kind) ? sw.signing : undefined);
  const kidFor = (kind: "id_token" | "access_token") => (!sw.tokens || sw.tokens.includes(kind) ? sw.omitKid : undefined);
  const typ = p.jwtTyp !== undefined ? { typ: p.jwtTyp } : {};

  const plan = p.accessToken(ctx);
  const accessToken =
    plan.kind === "opaque"
      ? plan.value
      : await signJwt(p.id, applyClaimSwitches(plan.claims, sw, "access_token", now), {
          role: plan.key,
          ...typ,
          ...(signFor("access_token") ? { signing: signFor("access_token") } : {}),
          ...(kidFor("access_token") ? { omitKid: true } : {}),
        });
  const base = { grantId: grant.id, provider: p.id, clientId: client.clientId, issuedAt: now, revoked: false };
  saveToken(accessToken, { ...base, kind: "access", expiresAt: now + p.accessTtl });

  let idToken: string | undefined;
  if (grant.scope.includes("openid")) {
    const claims = p.idTokenClaims(ctx);
    if (p.atHash) claims["at_hash"] = await atHash(accessToken);
    if (refreshed !== undefined) delete claims["nonce"]; // OIDC Core §12.2: no nonce on refresh
    const bent = applyClaimSwitches(claims, sw, "id_token", now);
    idToken = await signJwt(p.id, bent, {
      role: "signing",
      ...typ,
      ...(signFor("id_token") ? { signing: signFor("id_token") } : {}),
      ...(kidFor("id_token") ? { omitKid: true } : {}),
    });
    const exp = typeof bent["exp"] === "number" ? bent["exp"] : now + 3600;
    saveToken(idToken, { ...base, kind: "id", expiresAt: Math.max(exp, now + 60) });
  }

  let refreshToken = refreshed;
  if (refreshToken === undefined && grant.offline) {
    refreshToken = p.refreshToken(randomId(48));
    saveToken(refreshToken, { ...base, kind: "refresh", expiresAt: now + 30 * 86400 });
  }
  const body = p.tokenResponse(
    {
      access_token: accessToken,
      ...(idToken !== undefined ? { id_token: idToken } : {}),
      ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
      scope: grant.scope.join(" "),
    },
    refreshed !== undefined,
  );
  return noStoreJson(body);
}

type GrantHandler = (c: Ctx, p: Provider, client: Client, params: Record<string, string>) => Promise<Response>;

const authorizationCode: GrantHandler = async (c, p, client, params) => {
  const code = params["code"];
  const rec = code ? getCode(code) : undefined;
  if (!rec || rec.provider !== p.id || rec.clientId !== client.clientId || rec.expiresAt <= nowSeconds()) {
    throw new EmuError("code_invalid");
  }
  if (rec.used) throw new EmuError("code_reused");
  if (params["redirect_uri"] !== rec.redirectUri) throw new EmuError("redirect_mismatch");
  if (rec.codeChallenge !== undefined) {
    const verifier = params["code_verifier"];
    if (!verifier) throw new EmuError("verifier_missing");
    if (!(await pkceMatches(verifier, rec.codeChallenge, rec.codeChallengeMethod ?? "plain"))) throw new EmuError("verifier_invalid");
  }
  const grant = getGrant(rec.grantId);
  if (!grant || grant.revoked) throw new EmuError("code_invalid");
  rec.used = true; // only a successful redemption spends the code
  return mint(c, p, client, grant);
};

const refreshTokenGrant: GrantHandler = async (c, p, client, params) => {
  const token = params["refresh_token"] ?? "";
  const rec = liveToken(token);
  if (!rec || rec.kind !== "refresh" || rec.provider !== p.id || rec.clientId !== client.clientId) throw new EmuError("refresh_invalid");
  const grant = getGrant(rec.grantId);
  if (!grant) throw new EmuError("refresh_invalid");
  return mint(c, p, client, grant, token);
};

/** A Map: `grant_type=constructor` is an unsupported grant, not Object's constructor (Fedgate AB-6). */
const GRANTS: ReadonlyMap<string, GrantHandler> = new Map([
  ["authorization_code", authorizationCode],
  ["refresh_token", refreshTokenGrant],
]);

/** POST {token path}. */
export function token(c: Ctx, p: Provider): Promise<Response> {
  return guarded(p, "token", async () => {
    const params = await readParams(c);
    const { client } = authenticateClient(p, c, params);
    const handler = GRANTS.get(params["grant_type"] ?? "");
    if (!handler) throw new EmuError("unsupported_grant_type", params["grant_type"] ?? "");
    return handler(c, p, client, params);
  });
}
