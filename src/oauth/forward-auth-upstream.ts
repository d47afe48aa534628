/**
 * Upstream tokens at the gateway (issue 15): during a migration an API behind `/auth/verify` takes
 * the old provider's tokens as well as Fedgate's. Where the project named by `?project=` says
 * `forwardAuth.acceptUpstreamTokens`, a Bearer JWT that is not Fedgate's is judged by the project's
 * providers' exchange policy, exactly as token exchange judges a subject token (federation
 * `judgeSubjectToken`: issuer, signature with the provider's cached keys, algorithm, audience and
 * client, maximum age, expiry), and passes as the Fedgate user already linked to that subject.
 * - JWT access tokens and ID tokens only. An opaque token, or a provider whose tokens only it can
 *   judge (Okta's org server), is refused without asking the provider: a gateway's every request
 *   must not cost an upstream call. A JWT whose `aud` names a client configured for exchange is
 *   judged as an ID token (issued to that app), any other as an access token (issued for an API).
 * - Nothing is linked, created or spent here: the person must have exchanged a token or signed in
 *   once; an ID token is not single use (it is a bearer credential here, until `exp` or the
 *   provider's maximum token age). The only write is the audit, through the queue.
 * - Warm: no upstream call (discovery and keys cached per isolate), one store read (the user).
 */
import type { Context } from "hono";
import { decodeJwt } from "jose";
import type { AppEnv } from "../env";
import { OAuthError, type OAuthErrorCode } from "../errors";
import { audiencesOf, judgeSubjectToken, SubjectTokenError, type UpstreamSubject } from "../federation";
import { findUserByExternalId, type User } from "../identity/users";
import type { Project } from "../registry/projects";
import { findProjectProviders, type Provider } from "../registry/providers";
import type { AuditInput } from "../security/audit-event";
import { Sealer } from "../security/encryption";

/** The audit action of every upstream token judged at `/auth/verify` (the legacy-token report reads it). */
export const UPSTREAM_AUDIT_ACTION = "forward-auth.upstream";

/** An upstream token that passed, and who it is. */
export interface UpstreamPass {
  user: User;
  provider: Provider;
  /** What the upstream token grants (`scope`, or Okta's `scp`); empty when it says nothing (ID tokens). */
  scope: string[];
  /** The token's `aud`, for `?audience=` narrowing. */
  audiences: string[];
  /** The upstream client the token was issued to, by the claim its kind names it with. */
  upstreamClientId: string | null;
  /** The token's audience the provider's policy accepted (an API for an access token, the client for an ID token). */
  audience: string | null;
}

type Claims = Record<string, unknown>;

/** The unverified `iss` of a compact JWS (only to tell Fedgate's tokens from others); null for anything else. */
export function unverifiedIssuer(token: string): string | null {
  if (token.split(".").length !== 3) return null;
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? iss : null;
  } catch {
    return null;
  }
}

/** Where each kind's JWT access tokens name the client they were issued to. */
const ACCESS_TOKEN_CLIENT_CLAIM: Record<Provider["kind"], string> = { auth0: "azp", okta: "cid", cognito: "client_id", oidc: "client_id", google: "azp" };

/** Never ask a provider at the gateway: its opaque-token switch is for exchange, which is called once, not per request. */
const jwtOnly = (provider: Provider): Provider => ({ ...provider, exchange: { ...provider.exchange, acceptOpaqueTokens: false } });

/** An ID token is issued to an app (its `aud` a client configured for exchange); an access token is for an API. */
const looksLikeIdToken = (claims: Claims, providers: Provider[]): boolean => {
  const aud = audiencesOf(claims);
  return providers.some((provider) => provider.exchange.clientIds.some((id) => aud.includes(id)));
};

/** An access token's grant: `scope` (a string), or Okta's `scp` (an array). */
function scopeOf(claims: Claims): string[] {
  const value = claims["scope"] ?? claims["scp"];
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item !== "") : [];
}

/** The upstream client, and the audience the policy accepted, by the token's kind. */
function clientAndAudience(upstream: UpstreamSubject): Pick<UpstreamPass, "upstreamClientId" | "audience"> {
  const { provider } = upstream;
  if (upstream.via === "id_token") {
    const claims = upstream.claims ?? {};
    const audience = audiencesOf(claims).find((aud) => provider.exchange.clientIds.includes(aud)) ?? null;
    const azp = claims["azp"];
    return { upstreamClientId: typeof azp === "string" ? azp : audience, audience };
  }
  const claims = upstream.accessClaims ?? {};
  const aud = audiencesOf(claims);
  const client = claims[ACCESS_TOKEN_CLIENT_CLAIM[provider.kind]];
  return { upstreamClientId: typeof client === "string" ? client : null, audience: aud.find((a) => provider.exchange.audiences.includes(a)) ?? aud[0] ?? null };
}

/** A refused upstream token: the endpoint answers it and audits `audit` (outcome failure, the internal reason). */
export function upstreamRefusal(
  projectId: string, status: 401 | 403 | 503, error: OAuthErrorCode, description: string, reason: string, providerId?: string,
): OAuthError {
  const audit: AuditInput = {
    projectId, actor: { kind: "anonymous" }, action: UPSTREAM_AUDIT_ACTION,
    target: providerId ? { type: "provider", id: providerId } : { type: "project", id: projectId }, outcome: "failure", reason,
  };
  return new OAuthError(error, description, status, { detail: reason, audit, ...(status === 503 ? { headers: { "Retry-After": "5" } } : {}) });
}

/** The success event: the person, and which provider's client and audience still send legacy tokens. */
export function upstreamAccepted(projectId: string, pass: UpstreamPass): AuditInput {
  return {
    projectId, actor: { kind: "user", userId: pass.user.id }, action: UPSTREAM_AUDIT_ACTION, target: { type: "user", id: pass.user.id },
    after: { provider: pass.provider.id, upstreamClientId: pass.upstreamClientId, audience: pass.audience },
  };
}

/** The gateway's words for a judging's refusal (the exchange's speak of a "subject token"). */
function describe(error: SubjectTokenError): string {
  switch (error.code) {
    case "unknown_issuer":
      return "The token's issuer is not an identity provider of this project.";
    case "not_accepted":
      return "This identity provider's tokens can only be checked by asking it, which /auth/verify does not do; exchange the token for a Fedgate token.";
    default:
      return error.message.replace(/subject token/g, "token");
  }
}

/**
 * The linked user an upstream JWT speaks for, judged under the project's providers' exchange policy;
 * an OAuthError carrying its audit event otherwise (401 token, 403 user, 503 provider's keys).
 */
export async function acceptUpstreamToken(c: Context<AppEnv>, token: string, project: Project): Promise<UpstreamPass> {
  const { store, config } = c.var;
  const refuse = (status: 401 | 403 | 503, error: OAuthErrorCode, description: string, reason: string, providerId?: string) =>
    upstreamRefusal(project.id, status, error, description, reason, providerId);
  if (unverifiedIssuer(token) === null) {
    throw refuse(401, "invalid_token", "Only JWTs are accepted here from other issuers; exchange an opaque token for a Fedgate token.", "not a JWT with an iss: opaque tokens are not judged at forward-auth");
  }
  const candidates = (await findProjectProviders(store, project.id)).map(jwtOnly);
  let upstream: UpstreamSubject;
  try {
    const type = looksLikeIdToken(decodeJwt(token), candidates) ? "id_token" : "access_token";
    upstream = await judgeSubjectToken({ store, sealer: new Sealer(config.encryptionKey), projectId: project.id, candidates, token, type });
  } catch (error) {
    if (!(error instanceof SubjectTokenError)) throw error;
    const reason = `${error.code}: ${error.detail}`;
    throw error.code === "unavailable"
      ? refuse(503, "temporarily_unavailable", `${error.message} Try again.`, reason, error.providerId)
      : refuse(401, "invalid_token", describe(error), reason, error.providerId);
  }
  const { provider, subject } = upstream;
  const user = await findUserByExternalId(store, project.id, { providerId: provider.id, subject });
  if (!user) {
    throw refuse(401, "invalid_token", "Fedgate does not know this person yet: exchange the token once, or sign in, first.", "unknown person: no user linked to the provider's subject", provider.id);
  }
  if (user.disabled) throw refuse(403, "access_denied", "The user may not sign in.", "user disabled", provider.id);
  const idToken = upstream.via === "id_token";
  const claims = (idToken ? upstream.claims : upstream.accessClaims) ?? {};
  // An ID token grants nothing: it says who signed in to the app, not what the app may do.
  return { user, provider, scope: idToken ? [] : scopeOf(claims), audiences: audiencesOf(claims), ...clientAndAudience(upstream) };
}
