/**
 * An upstream provider as a relying party sees it: its discovery document (cached per isolate and
 * provider version), our client at it, and how we authenticate (client secret unsealed once).
 * The requests themselves take a `fetch` (default {@link upstreamFetch}) and the RP-8 timeout from
 * `requestOptions`, so every request's failures are sorted by upstream-failure.ts.
 */
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
}

/** Discovery documents change rarely; a changed provider record (updatedAt) is a new entry. */
const cache = new IsolateCache<UpstreamServer>(10 * 60_000, 1_000);

/** The provider as a relying party talks to it: discovery fetched (with `fetch`) once per isolate and provider version. */
export function upstreamServer(provider: Provider, sealer: Sealer, fetch: Fetch = upstreamFetch()): Promise<UpstreamServer> {
  return cache.get(`${provider.projectId} ${provider.id} ${provider.updatedAt}`, async () => {
    const secret = provider.clientSecretSealed ? await sealer.open(provider.clientSecretSealed, sealContext(provider.id)) : undefined;
    const issuer = new URL(provider.issuer);
    const as = await discover(provider.issuer, fetch);
    return { issuer, as, client: { client_id: provider.clientId }, clientAuth: secret ? oauth.ClientSecretPost(secret) : oauth.None() };
  });
}

/**
 * The provider's authorization endpoint with `parameters`, `client_id` and `response_type=code`
 * appended to its own query. Like every other upstream request: https only, unless the issuer is
 * loopback http (local development and the emulators). Throws if the document lacks a usable one.
 */
export function authorizationUrl(server: UpstreamServer, parameters: Record<string, string>): URL {
  const endpoint = server.as.authorization_endpoint;
  const url = typeof endpoint === "string" && URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (!url) throw new Error(`the discovery document of ${server.issuer.href} has no valid authorization_endpoint`);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHttp(server.issuer))) {
    throw new Error(`the authorization endpoint ${url.origin} is not https`);
  }
  const query = new URLSearchParams(parameters);
  if (!query.has("client_id")) query.set("client_id", server.client.client_id);
  if (!query.has("response_type")) query.set("response_type", "code");
  for (const [name, value] of query) url.searchParams.append(name, value);
  return url;
}

/** Where the provider sends people back to Fedgate. */
export const callbackUrl = (issuer: string, provider: Pick<Provider, "id">): string => `${issuer}/auth/callback/${provider.id}`;
