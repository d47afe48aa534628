/**
 * The grants the token endpoint serves, by `grant_type` (DESIGN.md style rule 1): the endpoint
 * dispatches from this map and discovery lists its keys, so the two cannot disagree.
 */
import { authorizationCodeGrant } from "./authorization-code";
import { clientCredentialsGrant } from "./client-credentials";
import type { Grant } from "./grant";
import { jwtBearerGrant } from "./jwt-bearer";
import { refreshTokenGrant } from "./refresh-token";
import { tokenExchangeGrant } from "./token-exchange";

export const grants: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, tokenExchangeGrant, jwtBearerGrant].map((grant) => [grant.grantType, grant]),
);

/** Grants without a person signing in: their refusals are audited (SECURITY.md AD-4). */
export const AUDITED_REFUSALS: ReadonlySet<string> = new Set([clientCredentialsGrant.grantType, tokenExchangeGrant.grantType, jwtBearerGrant.grantType]);

/** The grant types this deployment serves, for discovery. */
export const supportedGrantTypes = (): string[] => [...grants.keys()];
