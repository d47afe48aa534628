/**
 * OAuth flows for tests: authorization codes issued the way the sign-in callback issues them
 * (src/oauth/codes.ts), then redeemed and used over HTTP like a client would.
 */
import { env } from "cloudflare:workers";
import { base64url, createLocalJWKSet } from "jose";
import { configOf } from "../../src/config";
import { services } from "../../src/context";
import type { Bindings } from "../../src/env";
import { getUser } from "../../src/identity/users";
import { issueCode } from "../../src/oauth/codes";
import { DurableObjectStore } from "../../src/store/durable-object";
import { mintAccessToken, mintIdToken } from "../../src/tokens/jwt";
import { api } from "./admin";
import { call, ISSUER } from "./worker";

export const store = new DurableObjectStore(env.STORE);
export const REDIRECT = "https://app.example/callback";
export const ALL_SCOPES = ["openid", "email", "profile", "offline_access"];

/** Client credentials: a secret for confidential clients, none for public ones (client_id in the body). */
export interface ClientAuth {
  id: string;
  secret?: string;
}

export interface Response<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Creates a client in `project`; returns its credentials. */
export async function newClient(project: { id: string; token: string }, body: Record<string, unknown>): Promise<ClientAuth> {
  const created = await api(project.token, "POST", `/projects/${project.id}/clients`, { redirectUris: [REDIRECT], ...body });
  if (created.status !== 201) throw new Error(`client creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.client.id, ...(created.body.clientSecret ? { secret: created.body.clientSecret } : {}) };
}

export const newVerifier = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
export const challengeOf = async (verifier: string): Promise<string> =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));

export interface CodeOptions {
  projectId: string;
  clientId: string;
  userId: string;
  scope?: string[];
  nonce?: string;
}

/** The user as the sign-in callback puts it in a code. */
async function userSnapshot(projectId: string, userId: string) {
  const user = await getUser(store, projectId, userId);
  if (!user) throw new Error(`no user ${userId}`);
  return { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name };
}

/** An authorization code for a signed-in user, and its PKCE verifier. */
export async function mintCode(options: CodeOptions): Promise<{ code: string; verifier: string }> {
  const verifier = newVerifier();
  const code = await issueCode(configOf(env as unknown as Bindings).encryptionKey, {
    projectId: options.projectId, clientId: options.clientId, redirectUri: REDIRECT, codeChallenge: await challengeOf(verifier),
    scope: options.scope ?? ALL_SCOPES, ...(options.nonce ? { nonce: options.nonce } : {}),
    user: await userSnapshot(options.projectId, options.userId), authTime: 1_700_000_000, amr: ["pwd"], idp: "okta",
  });
  return { code, verifier };
}

export const basic = (id: string, secret: string): string => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

/** A form POST to an OAuth endpoint, authenticating `auth` (Basic, or client_id in the body for public clients). */
export async function formPost(path: string, params: Record<string, string>, auth?: ClientAuth, headers: Record<string, string> = {}, init: { env?: Record<string, unknown> } = {}): Promise<Response> {
  const body = new URLSearchParams(params);
  if (auth && auth.secret === undefined) body.set("client_id", auth.id);
  const response = await call(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(auth?.secret !== undefined ? { Authorization: basic(auth.id, auth.secret) } : {}), ...headers },
    body: body.toString(),
    ...init,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export const tokenRequest = (params: Record<string, string>, auth?: ClientAuth, headers: Record<string, string> = {}) => formPost("/oauth2/token", params, auth, headers);

/** Redeems a code at the token endpoint. */
export const redeem = (c: { code: string; verifier: string }, auth: ClientAuth, extra: Record<string, string> = {}) =>
  tokenRequest({ grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier, ...extra }, auth);

export const refresh = (token: string, auth: ClientAuth, extra: Record<string, string> = {}) =>
  tokenRequest({ grant_type: "refresh_token", refresh_token: token, ...extra }, auth);

/** A full sign-in: a code minted for the user, redeemed by the client; the token response. */
export async function signIn(auth: ClientAuth, options: Omit<CodeOptions, "clientId">): Promise<Record<string, any>> {
  const response = await redeem(await mintCode({ ...options, clientId: auth.id }), auth);
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Fedgate's published keys, as a verifier would fetch them. */
export async function jwks() {
  return createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
}

/** Tokens signed with Fedgate's real key but with chosen claims and times (expired ones, say). */
export async function mintWithFedgateKey(kind: "access" | "id", claims: { subject: string; clientId: string; projectId: string; scope?: string[]; issuedAt: number; lifetimeS: number; sessionId?: string }) {
  const signer = await services(env as unknown as Bindings).signingKeys.signer();
  if (kind === "access") {
    return mintAccessToken(signer, { issuer: ISSUER, subject: claims.subject, audience: claims.clientId, clientId: claims.clientId, scope: claims.scope ?? ["openid"], lifetimeS: claims.lifetimeS, projectId: claims.projectId }, claims.issuedAt);
  }
  return mintIdToken(signer, { issuer: ISSUER, subject: claims.subject, clientId: claims.clientId, lifetimeS: claims.lifetimeS, authTime: claims.issuedAt, amr: ["pwd"], ...(claims.sessionId ? { sessionId: claims.sessionId } : {}) }, claims.issuedAt);
}
