/**
 * The Hono environment every handler is typed with: the Worker's bindings, the services a request
 * works with, and the request-scoped variables middleware set. Types only, so any module can name
 * them without importing the request context (and what it imports) at run time.
 */
import type { Config } from "./config";
import type { Logger } from "./log";
import type { Actor, AuditEvent } from "./security/audit-event";
import type { RateLimiterBinding, TierBinding } from "./security/rate-tiers";
import type { StoreMeter } from "./store/metered";
import type { StoreBindings } from "./store/open";
import type { SetupLink } from "./registry/setup-links";
import type { Store, Versioned } from "./store/store";
import type { Logout } from "./tokens/logout-token";
import type { SigningKeys } from "./tokens/signing-keys";

export interface Bindings extends StoreBindings {
  /** The audit queue's producer (wrangler.toml); absent, audit events are written directly (security/audit.ts). */
  AUDIT_QUEUE?: Queue<AuditEvent>;
  /**
   * The back-channel logout queue's producer (wrangler.toml); absent, logouts are delivered after the
   * response with a few retries in process (sessions/backchannel-logout.ts).
   */
  LOGOUT_QUEUE?: Queue<Logout>;
  /** Tests only: the logout queue's first retry delay in seconds (default 10; 0 retries at once). */
  LOGOUT_RETRY_DELAY_S?: string;
  /** The request limits' tiers (wrangler.toml `[[ratelimits]]`); absent, a limit counts in the store (security/rate-limit.ts). */
  [tier: TierBinding]: RateLimiterBinding | undefined;
  [variable: string]: unknown;
}

/** The services a request or a scheduled run works with (context.ts builds them). */
export interface Services {
  config: Config;
  store: Store;
  storeMeter: StoreMeter;
  /** The store for work after the response (waitUntil), metered apart. */
  backgroundStore: Store;
  backgroundMeter: StoreMeter;
  signingKeys: SigningKeys;
}

/** Request-scoped values: the services, the request's id and logger, and what later middleware learn. */
export interface Variables extends Services {
  requestId: string;
  log: Logger;
  /** Admin API (admin/auth.ts): who acts, and the project an API key is scoped to (undefined for the operator). */
  actor: Actor;
  actorProjectId: string | undefined;
  /** Admin API (admin/auth.ts): what the credential may administer. */
  adminScope: AdminScope;
  /** Admin API (admin/auth.ts): the setup link the credential is, if it is one (refused by every operation that does not accept links). */
  setupLink: Versioned<SetupLink> | undefined;
  /** CORS (oauth/cors.ts): the origins of the client a handler identified; absent until it does. */
  corsClientOrigins: readonly string[];
  /**
   * A route's default for errors that do not say how they are presented (errors.ts `Presentation`):
   * Fedgate's error page with this title and message, whatever the error (oauth/logout.ts, whose
   * callers are browsers). Unset: the endpoint's JSON.
   */
  defaultErrorPage: DefaultErrorPage | undefined;
}

/**
 * What an admin credential may administer: every project (the operator: bootstrap token, or a console
 * user with the `operator` role), or the projects listed (an API key's one; a project admin's).
 */
export type AdminScope = { operator: true } | { operator: false; projects: ReadonlySet<string> };

/** The page an error without its own presentation becomes on a route that sets `defaultErrorPage`. */
interface DefaultErrorPage {
  title: string;
  message: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
