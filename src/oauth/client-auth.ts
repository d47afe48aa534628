/**
 * Client authentication at the token, revocation and introspection endpoints: `client_secret_basic`,
 * `client_secret_post`, `private_key_jwt` (client-assertion.ts), and `none` for public clients
 * (which prove themselves with PKCE instead). One method per request. A confidential client with
 * registered keys (`jwks`) must use `private_key_jwt`; one without uses its secret, checked in
 * constant time against its HMAC (AS-7), or during a rotation's overlap the previous one. Endpoints
 * call `authenticateLimited`, which counts, audits and limits failures (AB-7).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import type { Context } from "hono";
import { decodeJwt } from "jose";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { findClient, type Client } from "../registry/clients";
import { countFailure, refuseBlockedIp } from "../security/client-auth-failures";
import { verifySecret } from "../security/secrets";
import type { Store } from "../store/store";
import { AssertionError, JWT_BEARER_ASSERTION, verifyClientAssertion } from "./client-assertion";

type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";

export interface PresentedClient {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
  /** The signed client assertion, for `private_key_jwt`. */
  assertion?: string;
}

/** The form parameters that authenticate a client, never passed on to a grant. */
export const CLIENT_AUTH_PARAMETERS = ["client_id", "client_secret", "client_assertion", "client_assertion_type"];

/** `private_key_jwt`: the client id is the assertion's `sub` (checked against `iss` and the key later). */
function presentedAssertion(params: URLSearchParams, authorization: string | undefined): PresentedClient {
  const assertion = params.get("client_assertion");
  if (authorization !== undefined || params.has("client_secret")) throw new OAuthError("invalid_request", "Use one client authentication method, not a client assertion and a secret.");
  if (params.get("client_assertion_type") !== JWT_BEARER_ASSERTION) throw new OAuthError("invalid_client", `"client_assertion_type" must be ${JWT_BEARER_ASSERTION}.`, 401);
  if (!assertion) throw new OAuthError("invalid_client", '"client_assertion" is required with "client_assertion_type".', 401);
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw new OAuthError("invalid_client", '"client_assertion" is not a JWT.', 401);
  }
  if (typeof sub !== "string" || sub === "") throw new OAuthError("invalid_client", '"client_assertion" has no "sub".', 401);
  const bodyId = params.get("client_id");
  if (bodyId !== null && bodyId !== sub) throw new OAuthError("invalid_request", 'client_id differs from the client assertion\'s "sub".');
  return { method: "private_key_jwt", clientId: sub, assertion };
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
  if (params.has("client_assertion") || params.has("client_assertion_type")) return presentedAssertion(params, authorization);
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

/** Presented credentials that were checked and refused: `invalid_client` (401), with what the id names. */
class ClientAuthenticationFailed extends OAuthError {
  constructor(
    /** The client the presented id names, or null for an unknown id. */
    readonly client: Client | null,
    detail: string,
    headers: Record<string, string> | undefined,
  ) {
    super("invalid_client", "Client authentication failed.", 401, { detail, ...(headers ? { headers } : {}) });
  }
}

/**
 * `authenticateClient` behind the failure limits (SECURITY.md AB-7, security/client-auth-failures.ts):
 * what every endpoint that authenticates a client calls. Success costs no store call of its own.
 */
export async function authenticateLimited(c: Context<AppEnv>, presented: PresentedClient): Promise<Client> {
  refuseBlockedIp(c);
  try {
    return await authenticateClient(c.get("store"), c.get("config"), presented);
  } catch (error) {
    if (!(error instanceof ClientAuthenticationFailed)) throw error;
    await countFailure(c, error.client, error.detail ?? "client authentication failed"); // audits it
    throw error;
  }
}

/** The client the request proves it is; `invalid_client` (401) otherwise, saying no more than that. */
export async function authenticateClient(store: Store, config: Config, presented: PresentedClient): Promise<Client> {
  const headers = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  const client = await findClient(store, presented.clientId);
  const refuse = (detail: string) => new ClientAuthenticationFailed(client, detail, headers);
  if (!client) throw refuse("unknown client");
  if (client.kind === "public") {
    if (presented.method !== "none") throw refuse("a public client presented a secret");
    return client;
  }
  if (client.jwks) {
    if (presented.method !== "private_key_jwt") throw refuse("a client with registered keys did not use private_key_jwt");
    try {
      await verifyClientAssertion(store, config, client, presented.assertion!);
    } catch (error) {
      if (error instanceof AssertionError) throw refuse(`client assertion: ${error.code}`);
      throw error;
    }
    return client;
  }
  if (presented.method === "private_key_jwt") throw refuse("client assertion: no keys registered");
  if (presented.secret === undefined) throw refuse("a confidential client presented no secret");
  if (!(await secretMatches(config, client, presented.secret))) throw refuse("wrong client secret");
  return client;
}

/** Whether `secret` is the client's current secret, or its previous one within the rotation overlap (AS-7). */
async function secretMatches(config: Config, client: Client, secret: string, now = Date.now()): Promise<boolean> {
  const previous = client.previousSecret;
  const [current, old] = await Promise.all([
    client.secretHash === undefined ? false : verifySecret(config.encryptionKey, secret, client.secretHash),
    previous && Date.parse(previous.expiresAt) > now ? verifySecret(config.encryptionKey, secret, previous.hash) : false,
  ]);
  return current || old;
}
