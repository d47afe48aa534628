/**
 * node-oidc-provider (the `oidc-provider` package, v9) as a real, third-party OpenID Provider for the
 * tests of Fedgate's generic `oidc` provider kind. Started in Node by the broker project's
 * globalSetup (test/global-setup.ts), which hands its issuer to the workerd tests; the workerd side
 * that signs people in there is test/helpers/oidc-provider.ts.
 *
 * - Plain http on 127.0.0.1 and a random free port: Fedgate allows http issuers on loopback only.
 * - Clients and accounts: test/helpers/oidc-provider-fixtures.ts. Clients authenticate with
 *   client_secret_post (what Fedgate sends) and must use PKCE S256; one client per ID token
 *   algorithm (RS256, ES256, EdDSA, Ed25519). Signing keys are generated at start-up, never stored.
 * - ID tokens carry only `sub` and protocol claims unless the `claims` parameter asks for more
 *   (`conformIdTokenClaims`, the library default): email and name come from userinfo, as many
 *   real providers do it.
 * - Access tokens: opaque (good at userinfo) without `resource`; an RFC 9068 JWT (`typ: at+jwt`,
 *   `aud` the resource, `client_id`) for a resource of NODE_OIDC_RESOURCES (RFC 8707).
 * - Login without a page: interactions go to our own handler. `GET /interaction/<uid>?login=<account>`
 *   finishes the login prompt for that account; the consent prompt that follows is granted at once
 *   (a Grant of the missing scopes, claims and resource scopes). An HTTP client that follows
 *   redirects and keeps cookies ends at the client's redirect URI with a code.
 * Configuration reference: node_modules/oidc-provider/lib/helpers/defaults.js.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { errors } from "oidc-provider";
import {
  NODE_OIDC_ACCOUNTS, NODE_OIDC_ACR, NODE_OIDC_CLIENT_SECRET, NODE_OIDC_CLIENTS, NODE_OIDC_PROVIDER_IDS, NODE_OIDC_RESOURCE_SCOPE, NODE_OIDC_RESOURCES,
} from "../oidc-provider-fixtures";

export interface OidcProviderServer {
  /** `http://127.0.0.1:<port>`: also its issuer. */
  issuer: string;
  close(): Promise<void>;
}

/** A private signing key as a JWK with its RFC 7638 thumbprint as `kid`. */
async function signingKey(alg: "RS256" | "ES256" | "Ed25519"): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, use: "sig", kid: await calculateJwkThumbprint(jwk) };
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts node-oidc-provider. `redirectOrigins` are the Fedgate issuers whose callbacks the clients
 * accept (`<origin>/auth/callback/<id>` for every id of NODE_OIDC_PROVIDER_IDS).
 */
export async function startOidcProvider(options: { redirectOrigins: string[] }): Promise<OidcProviderServer> {
  // The issuer names the port, so listen first and attach the provider once it exists.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;

  const redirectUris = options.redirectOrigins.flatMap((origin) => NODE_OIDC_PROVIDER_IDS.map((id) => `${origin}/auth/callback/${id}`));
  const resources = new Set<string>(Object.values(NODE_OIDC_RESOURCES));
  const accounts = new Map<string, (typeof NODE_OIDC_ACCOUNTS)[keyof typeof NODE_OIDC_ACCOUNTS]>(Object.entries(NODE_OIDC_ACCOUNTS));

  const provider = new Provider(issuer, {
    clients: Object.values(NODE_OIDC_CLIENTS).map(({ clientId, alg }) => ({
      client_id: clientId,
      client_secret: NODE_OIDC_CLIENT_SECRET,
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: alg,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: redirectUris,
    })),
    jwks: { keys: await Promise.all([signingKey("RS256"), signingKey("ES256"), signingKey("Ed25519")]) },
    cookies: { keys: [crypto.randomUUID()] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "email", "profile", NODE_OIDC_RESOURCE_SCOPE],
    pkce: { required: () => true },
    // Explicit lifetimes (s): the library's defaults work but print a notice for each.
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600 },
    acrValues: Object.values(NODE_OIDC_ACR),
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    features: {
      devInteractions: { enabled: false },
      // OIDC Core §5.5: lets a client ask for email and name in the ID token itself.
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Only an explicitly requested resource: without one the access token stays opaque.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => {
          if (!resources.has(resource)) throw new errors.InvalidTarget();
          return { scope: NODE_OIDC_RESOURCE_SCOPE, audience: resource, accessTokenTTL: 3600, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } };
        },
      },
    },
  });

  const app = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interact(provider, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { "Content-Type": "text/plain" });
        res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    } else {
      app(req, res);
    }
  };

  return {
    issuer,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The non-interactive login and consent (see the header comment). */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (prompt.name === "login") {
    const accountId = new URL(req.url!, "http://x").searchParams.get("login");
    if (!accountId || !(accountId in NODE_OIDC_ACCOUNTS)) {
      res.writeHead(400, { "Content-Type": "text/plain" }).end("add ?login=<account id> to sign in");
      return;
    }
    // The second factor, when the request asks for it (the emulators' step-up, with a real OP).
    const mfa = String(params["acr_values"] ?? "").split(" ").includes(NODE_OIDC_ACR.mfa);
    const context = mfa ? { acr: NODE_OIDC_ACR.mfa, amr: ["pwd", "otp"] } : { acr: NODE_OIDC_ACR.pwd, amr: ["pwd"] };
    await provider.interactionFinished(req, res, { login: { accountId, ...context } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== "consent") throw new Error(`unexpected prompt ${prompt.name}`);
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session!.accountId, clientId: String(params["client_id"]) });
  if (!grant) throw new Error("grant not found");
  const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(" "));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
