/**
 * Client authentication at the token, revocation and introspection endpoints: `client_secret_basic`,
 * `client_secret_post`, and `none` for public clients (which prove themselves with PKCE instead).
 * One method per request; secrets checked in constant time against their HMAC (AS-7).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import type { Config } from "../config";
import { OAuthError } from "../errors";
import { findClient, type Client } from "../registry/clients";
import { verifySecret } from "../security/secrets";
import type { Store } from "../store/store";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

export interface PresentedClient {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
}

const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="fedgate", charset="UTF-8"' };

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before they are base64-encoded. */
function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new OAuthError("invalid_client", "The Basic credentials are not form-urlencoded.", 401, { headers: BASIC_CHALLENGE });
  }
}

/** How the request authenticates its client; refuses ambiguity (two methods, two client ids). */
export function presentedClient(authorization: string | undefined, params: URLSearchParams): PresentedClient {
  const bodyId = params.get("client_id") ?? undefined;
  const bodySecret = params.get("client_secret") ?? undefined;
  const basic = authorization?.match(/^Basic ([A-Za-z0-9+/]+={0,2})$/i);
  if (authorization !== undefined && !basic) {
    throw new OAuthError("invalid_client", "Unsupported Authorization header; use Basic client credentials.", 401, { headers: BASIC_CHALLENGE });
  }
  if (basic) {
    let decoded: string;
    try {
      decoded = atob(basic[1]!);
    } catch {
      throw new OAuthError("invalid_client", "The Basic credentials are not valid base64.", 401, { headers: BASIC_CHALLENGE });
    }
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new OAuthError("invalid_client", "The Basic credentials lack a client id.", 401, { headers: BASIC_CHALLENGE });
    const clientId = formDecode(decoded.slice(0, colon));
    if (bodySecret !== undefined) throw new OAuthError("invalid_request", "Use one client authentication method, not Basic and client_secret together.");
    if (bodyId !== undefined && bodyId !== clientId) throw new OAuthError("invalid_request", "client_id differs from the Basic credentials.");
    return { method: "client_secret_basic", clientId, secret: formDecode(decoded.slice(colon + 1)) };
  }
  if (bodyId === undefined) throw new OAuthError("invalid_client", "Client authentication is required.", 401, { headers: BASIC_CHALLENGE });
  return bodySecret === undefined ? { method: "none", clientId: bodyId } : { method: "client_secret_post", clientId: bodyId, secret: bodySecret };
}

/** The client the request proves it is; `invalid_client` (401) otherwise, saying no more than that. */
export async function authenticateClient(store: Store, config: Config, presented: PresentedClient): Promise<Client> {
  const headers = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  const refuse = (detail: string) => new OAuthError("invalid_client", "Client authentication failed.", 401, { detail, ...(headers ? { headers } : {}) });
  const client = await findClient(store, presented.clientId);
  if (!client) throw refuse("unknown client");
  if (client.kind === "public") {
    if (presented.method !== "none") throw refuse("a public client presented a secret");
    return client;
  }
  if (presented.secret === undefined || client.secretHash === undefined) throw refuse("a confidential client presented no secret");
  if (!(await verifySecret(config.encryptionKey, presented.secret, client.secretHash))) throw refuse("wrong client secret");
  return client;
}
