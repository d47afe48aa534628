/**
 * An upstream provider as a relying party sees it: its discovery document (cached per isolate and
 * provider version), our client at it, and how we authenticate (client secret unsealed once).
 * The requests themselves take a `fetch` (default {@link upstreamFetch}) and the RP-8 timeout from
 * `requestOptions`, so every request's failures are sorted by upstream-failure.ts.
 */
import * as client from "openid-client";
import * as oauth from "oauth4webapi";
import { IsolateCache } from "../cache";
import { sealContext, type Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import { discover } from "./discovery";
import { upstreamFetch, type Fetch } from "./upstream-failure";
import { isLoopbackHttp } from "../urls";

/** What every request to one provider needs. */
export interface UpstreamServer {
  /** The provider's issuer URL (its loopback-ness decides whether plain http is allowed). */
  issuer: URL;
  /** The discovery document, checked to name `issuer`. */
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  /** The same, as openid-client's Configuration, for building the authorization URL (login.ts). */
  configuration: client.Configuration;
}

/** Discovery documents change rarely; a changed provider record (updatedAt) is a new entry. */
const cache = new IsolateCache<UpstreamServer>(10 * 60_000, 1_000);

/** The provider as a relying party talks to it: discovery fetched (with `fetch`) once per isolate and provider version. */
export function upstreamServer(provider: Provider, sealer: Sealer, fetch: Fetch = upstreamFetch()): Promise<UpstreamServer> {
  return cache.get(`${provider.projectId} ${provider.id} ${provider.updatedAt}`, async () => {
    const secret = provider.clientSecretSealed ? await sealer.open(provider.clientSecretSealed, sealContext(provider.id)) : undefined;
    const issuer = new URL(provider.issuer);
    const as = await discover(provider.issuer, fetch);
    const configuration = new client.Configuration(as, provider.clientId, undefined, secret ? client.ClientSecretPost(secret) : client.None());
    if (isLoopbackHttp(issuer)) client.allowInsecureRequests(configuration);
    return { issuer, as, client: { client_id: provider.clientId }, clientAuth: secret ? oauth.ClientSecretPost(secret) : oauth.None(), configuration };
  });
}

/** The provider's openid-client Configuration (for the authorization URL and the sign-in page's origins). */
export async function upstreamConfiguration(provider: Provider, sealer: Sealer): Promise<client.Configuration> {
  return (await upstreamServer(provider, sealer)).configuration;
}

/** Where the provider sends people back to Fedgate. */
export const callbackUrl = (issuer: string, provider: Pick<Provider, "id">): string => `${issuer}/auth/callback/${provider.id}`;
