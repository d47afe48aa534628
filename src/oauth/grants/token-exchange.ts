/**
 * The token-exchange grant (RFC 8693) for migrating apps: an app that signs its users in with Auth0,
 * Okta, Google or Cognito trades the provider's token for a Fedgate access token for the same person.
 *
 * What it shares with the JWT bearer grant (who may, judging, linking, issuance, audit) is in
 * upstream-subject.ts. Its own: the subject token's type names how it is judged (an opaque access
 * token is asked of the provider), `requested_token_type` is echoed as `issued_token_type`, and
 * `aud` is the requested `audience`/`resource` where the client registered it.
 * - Errors (RFC 8693 §2.2.2): an unacceptable subject token is `invalid_request`; a person who may not
 *   sign in is `invalid_grant`; an unreachable provider is 503 `temporarily_unavailable`. Every
 *   outcome is audited with its reason (`token.exchange`, `after.grant: "token-exchange"`).
 * @see https://www.rfc-editor.org/rfc/rfc8693
 */
import { OAuthError } from "../../errors";
import { judgeSubjectToken, SUBJECT_TOKEN_TYPES } from "../../federation";
import { Sealer } from "../../security/encryption";
import { clientScope, requestedAudience } from "../issue";
import type { Grant } from "./grant";
import { shadowRefusals } from "./shadow";
import { candidatesFor, issueForUpstream, judged, refusalsFor, requireAllowedClient, type UpstreamGrantKind } from "./upstream-subject";

export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
/** Fedgate's access tokens are JWTs, so a client may ask for either identifier (RFC 8693 §3). */
const ISSUABLE = new Set([ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:jwt"]);

const EXCHANGE: UpstreamGrantKind = {
  grant: "token-exchange",
  refusedToken: "invalid_request",
  wording: (description) => description,
  messages: {
    publicClient: "This project does not let public clients exchange tokens.",
    replayed: "The subject ID token was already exchanged.",
    idTokenWithoutEmail: "The subject ID token does not carry the person's email; exchange an access token, or sign in once, first.",
  },
};

const invalidRequest = (description: string) => new OAuthError("invalid_request", description);

async function exchange({ c, client, params }: Parameters<Grant["handler"]>[0]) {
  if (params.has("actor_token") || params.has("actor_token_type")) throw invalidRequest("Delegation (actor_token) is not supported.");
  const token = params.get("subject_token");
  const tokenTypeUri = params.get("subject_token_type");
  if (!token) throw invalidRequest('"subject_token" is required.');
  if (!tokenTypeUri) throw invalidRequest('"subject_token_type" is required.');
  const type = SUBJECT_TOKEN_TYPES.get(tokenTypeUri);
  if (!type) throw invalidRequest(`"subject_token_type" must be one of ${[...SUBJECT_TOKEN_TYPES.keys()].join(", ")}.`);
  const issuedType = params.get("requested_token_type") ?? ACCESS_TOKEN_TYPE;
  if (!ISSUABLE.has(issuedType)) throw invalidRequest(`"requested_token_type" must be ${[...ISSUABLE].join(" or ")}: Fedgate exchanges for access tokens.`);
  await requireAllowedClient(c, client, EXCHANGE);
  const scope = clientScope(client, params);
  const audience = requestedAudience(client, params);

  const refuse = refusalsFor(client, EXCHANGE);
  const sealer = new Sealer(c.get("config").encryptionKey);
  const candidates = await candidatesFor(c, client);
  return shadowRefusals(c, candidates, async () => {
    const upstream = await judged(() => judgeSubjectToken({ store: c.get("store"), sealer, projectId: client.projectId, candidates, token, type }), EXCHANGE, refuse);
    return issueForUpstream(c, client, EXCHANGE, refuse, { upstream, token, sealer, scope, audience, issuedTokenType: issuedType });
  });
}

export const tokenExchangeGrant: Grant = {
  grantType: TOKEN_EXCHANGE,
  parameters: ["subject_token", "subject_token_type", "requested_token_type", "audience", "resource", "scope", "actor_token", "actor_token_type"],
  handler: exchange,
};
