/**
 * Talking to an upstream provider as a relying party: its openid-client Configuration (discovery
 * cached per isolate, client secret unsealed once), with the RP-8 timeout on every request and
 * every request's failures sorted by upstream-failure.ts.
 */
import * as client from "openid-client";
import { IsolateCache } from "../cache";
import { sealContext, type Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import { DISCOVERY_TIMEOUT_S } from "./discovery";
import { upstreamFetch } from "./upstream-failure";
import { isLoopbackHttp } from "../urls";

/** Discovery documents change rarely; a changed provider record (updatedAt) is a new entry. */
const cache = new IsolateCache<client.Configuration>(10 * 60_000, 1_000);

/** The provider's Configuration: discovery fetched once per isolate and provider version. */
export function upstreamConfiguration(provider: Provider, sealer: Sealer): Promise<client.Configuration> {
  return cache.get(`${provider.projectId} ${provider.id} ${provider.updatedAt}`, async () => {
    const secret = provider.clientSecretSealed ? await sealer.open(provider.clientSecretSealed, sealContext(provider.id)) : undefined;
    const url = new URL(provider.issuer);
    const insecure = isLoopbackHttp(url);
    const configuration = await client.discovery(url, provider.clientId, undefined, secret ? client.ClientSecretPost(secret) : client.None(), {
      timeout: DISCOVERY_TIMEOUT_S,
      // Kept by the Configuration: token, userinfo and introspection requests are sorted alike.
      [client.customFetch]: upstreamFetch(),
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    // Token and userinfo requests get the same bound as discovery (RP-8).
    configuration.timeout = DISCOVERY_TIMEOUT_S;
    return configuration;
  });
}

/** Where the provider sends people back to Fedgate. */
export const callbackUrl = (issuer: string, provider: Pick<Provider, "id">): string => `${issuer}/auth/callback/${provider.id}`;
