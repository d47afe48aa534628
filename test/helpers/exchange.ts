/**
 * Token exchange (RFC 8693) test setups: a project whose providers are the emulators, each with an
 * upstream client of its own (so client-scoped switches touch no other file), configured to accept
 * that client's tokens for exchange, and Fedgate clients that exchange them.
 */
import { api, issuers, newProject, operator } from "./admin";
import { newClient, tokenRequest, type ClientAuth, type Response } from "./oauth";
import { registerUpstreamClient, type UpstreamId } from "./upstream";

export const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
export const TOKEN_TYPE = {
  access: "urn:ietf:params:oauth:token-type:access_token",
  id: "urn:ietf:params:oauth:token-type:id_token",
  jwt: "urn:ietf:params:oauth:token-type:jwt",
} as const;
/** The API identifier Auth0 access tokens are requested for (the emulator makes them JWTs). */
export const AUTH0_API = "https://api.fedgate.test";

export interface ExchangeProvider {
  id: string;
  upstream: UpstreamId;
  upstreamClient: { clientId: string; clientSecret: string };
}

const ISSUER_OF: Record<UpstreamId, keyof typeof issuers> = { auth0: "auth0", okta: "okta", "okta-org": "oktaOrg", google: "google", cognito: "cognito" };

/** Adds a provider at `upstream`'s emulator whose own upstream client's tokens are accepted for exchange. */
export async function exchangeProvider(
  project: { id: string; token: string },
  upstream: UpstreamId,
  options: { id?: string; exchange?: Record<string, unknown>; provider?: Record<string, unknown>; domains?: string[] } = {},
): Promise<ExchangeProvider> {
  const upstreamClient = await registerUpstreamClient(upstream);
  const id = options.id ?? upstream;
  const audiences = upstream === "auth0" ? [AUTH0_API] : upstream === "okta" ? ["api://default"] : [];
  const created = await api(project.token, "POST", `/projects/${project.id}/providers`, {
    id, name: `${upstream} exchange`, kind: upstream === "okta-org" ? "okta" : upstream, issuer: issuers[ISSUER_OF[upstream]],
    clientId: upstreamClient.clientId, clientSecret: upstreamClient.clientSecret,
    exchange: { audiences, clientIds: [upstreamClient.clientId], acceptOpaqueTokens: false, ...options.exchange },
    ...options.provider,
  });
  if (created.status !== 201) throw new Error(`provider ${upstream}: ${created.status} ${JSON.stringify(created.body)}`);
  for (const domain of options.domains ?? []) {
    await operator("PUT", `/projects/${project.id}/domain-verifications/${domain}`);
    const mapped = await api(project.token, "POST", `/projects/${project.id}/domains`, { domain, providerId: id });
    if (mapped.status !== 201) throw new Error(`domain ${domain}: ${mapped.status} ${JSON.stringify(mapped.body)}`);
  }
  return { id, upstream, upstreamClient };
}

/** A confidential client allowed to exchange (and refresh), optionally bound to one provider. */
export function exchangeClient(project: { id: string; token: string }, extra: Record<string, unknown> = {}): Promise<ClientAuth> {
  return newClient(project, {
    name: "migrating app", kind: "confidential", redirectUris: [],
    grantTypes: [EXCHANGE, "refresh_token"], scopes: ["openid", "email", "profile", "offline_access", "orders:read"],
    audiences: ["https://orders.example"], ...extra,
  });
}

/** POST /oauth2/token with the token-exchange grant. */
export function exchangeToken(auth: ClientAuth, subjectToken: string, type: keyof typeof TOKEN_TYPE = "access", extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest({ grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: TOKEN_TYPE[type], ...extra }, auth);
}

export { newProject };
