/**
 * The hand-off between the two faces during a browser sign-in. The authorization server (oauth/)
 * keeps the downstream request and shows federation/ only what choosing and starting an upstream
 * login needs (`SignInRequest`); federation/ answers with the person it signed in (`SignedIn`), and
 * the authorization server completes the downstream authorization. Types only.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Resolution } from "./linking";
import type { User } from "./users";

/** What federation/ needs of a pending authorization request. */
export interface SignInRequest {
  /** The pending request's id: the sign-in form posts it, the upstream transaction keeps it. */
  id: string;
  projectId: string;
  /** The client's own provider (application-level IdP), when it names one. */
  providerId?: string;
  loginHint?: string;
  /** Forwarded upstream: `login` re-authenticates; `select_account` lets the person pick an account, where the kind supports it. */
  prompt?: "login" | "select_account";
  /** Forwarded upstream as `max_age`. */
  maxAge?: number;
  /** The app's `acr_values`, forwarded where the kind takes them. */
  acrValues?: string;
  /** The sign-in must be multi-factor: the provider is asked with its `mfaAcrValues`, where the kind takes `acr_values`. */
  mfa?: boolean;
}

/** A person signed in upstream and resolved to a Fedgate user, for the request `requestId`. */
export interface SignedIn {
  projectId: string;
  /** The upstream provider's id. */
  providerId: string;
  user: Pick<User, "id" | "email" | "emailVerified" | "name">;
  /** When the person authenticated upstream (seconds), and how: `amr`, `acr` (trusted providers only), and whether that was multi-factor. */
  authTime: number;
  amr: string[];
  acr?: string;
  mfa: boolean;
  /** The user's roles (assigned and mapped), for the tokens. */
  roles: string[];
  requestId: string;
  /** How linking found the user, for the audit event. */
  outcome: Extract<Resolution, { ok: true }>["outcome"];
  via: Extract<Resolution, { ok: true }>["via"];
}

/** Finds the pending request a sign-in form names, or null when it expired or never was. */
export type FindSignInRequest = (c: Context<AppEnv>, requestId: string) => Promise<SignInRequest | null>;

/** Completes the downstream authorization for a person federation/ signed in: the response to send. */
export type OnSignedIn = (c: Context<AppEnv>, signedIn: SignedIn) => Promise<Response>;
