/**
 * The JWT bearer grant (RFC 7523 §2.1) for migrating apps: the `assertion` is an upstream provider's
 * JWT (an ID token, or a JWT access token) and the answer a Fedgate access token for the same person.
 * What SDKs such as MedplumClient's `startJwtBearerLogin` send, and where Keycloak is moving
 * external-token exchange. It is token exchange by another name: the same trust policy (the
 * provider's `exchange`), linking, user sync, single use of ID tokens and audit (upstream-subject.ts).
 *
 * - Only JWTs, verified with the keys their issuer publishes: an opaque assertion is refused (no
 *   userinfo, introspection or tokeninfo path), and so is a JWT its issuer's keys cannot verify.
 * - The request does not say which kind of JWT it is, so the token does: an `aud` naming one of the
 *   provider's `exchange.clientIds` is an ID token (judged as one, and single use); any other is an
 *   access token, judged by the kind's access-token rules; a kind whose access tokens are not
 *   verifiable JWTs (Google's, the Okta org server's) has only ID tokens to offer.
 * - Errors (RFC 7523 §3.1): an unacceptable assertion is `invalid_grant`, with a description saying
 *   which rule, and the internal reason audited; a missing one is `invalid_request` (RFC 6749 §5.2);
 *   a person who may not sign in is `invalid_grant`; an unreachable provider is 503
 *   `temporarily_unavailable`. Audited as `token.exchange` with `after.grant: "jwt-bearer"`.
 * - The response has no `issued_token_type` and no ID token (as token exchange); a refresh token only
 *   for `offline_access` granted to a client allowed to refresh.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 */
import type { JWTPayload } from "jose";
import { OAuthError } from "../../errors";
import { audiencesOf, judgeSubjectToken, providerKind, unverifiedJwt } from "../../federation";
import type { Provider } from "../../registry/providers";
import { Sealer } from "../../security/encryption";
import { clientScope, requestedAudience } from "../issue";
import type { Grant } from "./grant";
import { shadowRefusals } from "./shadow";
import { candidatesFor, issueForUpstream, judged, refusalsFor, requireAllowedClient, type UpstreamGrantKind } from "./upstream-subject";

export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const BEARER: UpstreamGrantKind = {
  grant: "jwt-bearer",
  refusedToken: "invalid_grant",
  // The judge's descriptions name the token as token exchange does.
  wording: (description) => description.replace(/\bsubject ID token\b/g, "assertion (an ID token)").replace(/\bsubject token\b/g, "assertion"),
  messages: {
    publicClient: "This project does not let public clients present upstream tokens.",
    replayed: "The assertion (an ID token) was already used.",
    idTokenWithoutEmail: "The assertion (an ID token) does not carry the person's email; use an access token, or sign in once, first.",
  },
};

/**
 * How the assertion is judged, and by which of the candidates: as an ID token when its `aud` names a
 * client configured for exchange at a provider of its issuer, or when no such provider can verify
 * access tokens locally; else as a JWT access token, by the providers that can (never remotely).
 */
function routeOf(claims: JWTPayload, candidates: Provider[]): { type: "id_token" | "jwt"; candidates: Provider[] } {
  const issuers = candidates.filter((p) => providerKind(p.kind).acceptedIssuers(p).includes(claims.iss!));
  const local = issuers.filter((p) => providerKind(p.kind).accessTokenRules(p).jwt !== undefined);
  const aud = audiencesOf(claims);
  const forClient = issuers.some((p) => p.exchange.clientIds.some((id) => aud.includes(id)));
  // No provider of the issuer: the judge names the unknown issuer.
  if (issuers.length === 0) return { type: "jwt", candidates };
  return forClient || local.length === 0 ? { type: "id_token", candidates: issuers } : { type: "jwt", candidates: local };
}

async function bearer({ c, client, params }: Parameters<Grant["handler"]>[0]) {
  const token = params.get("assertion");
  if (!token) throw new OAuthError("invalid_request", '"assertion" is required.');
  await requireAllowedClient(c, client, BEARER);
  const scope = clientScope(client, params);
  const audience = requestedAudience(client, params);

  const refuse = refusalsFor(client, BEARER);
  const claims = unverifiedJwt(token);
  if (!claims) throw refuse("invalid_grant", "The assertion is not a JWT with an issuer: only an identity provider's JWTs are accepted.", "malformed: not a compact JWS with an iss");
  const sealer = new Sealer(c.get("config").encryptionKey);
  const { type, candidates } = routeOf(claims, await candidatesFor(c, client));
  return shadowRefusals(c, candidates, async () => {
    const upstream = await judged(() => judgeSubjectToken({ store: c.get("store"), sealer, projectId: client.projectId, candidates, token, type }), BEARER, refuse);
    return issueForUpstream(c, client, BEARER, refuse, { upstream, token, sealer, scope, audience });
  });
}

export const jwtBearerGrant: Grant = {
  grantType: JWT_BEARER,
  parameters: ["assertion", "scope", "audience", "resource"],
  handler: bearer,
};
