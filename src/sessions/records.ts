/**
 * Broker sessions: what lets a second app of the same project sign a person in without sending them
 * to their identity provider again (issue 14). A session is created by an upstream sign-in and
 * names the user, the provider, how they authenticated (`auth_time`, `amr`, `acr`, whether that
 * was multi-factor) and the clients signed in with it, with the grants each code will create, so
 * ending the session can revoke them (sessions/end-session.ts).
 *
 * The browser holds `<userId>.<sessionId>.<secret>` in an HttpOnly cookie (sessions/cookie.ts); the
 * record keeps only the SHA-256 of the secret. The session id is no credential: it is the `sid` of
 * the tokens, which apps see. The record lives in the user's partition (store/keys.ts), so a
 * session and its user are read in one round trip and a user's sessions are one scan.
 *
 * Lifetimes: idle (every use extends it) and absolute, per project (`sessions`); the record's TTL is
 * whichever ends first, so an idle session disappears by itself.
 */
import { base64url } from "jose";
import { sha256 } from "../encoding";
import { randomId } from "../ids";
import type { User } from "../identity/users";
import type { Project } from "../registry/projects";
import * as keys from "../store/keys";
import type { Store, Versioned } from "../store/store";

/** A client signed in with the session, and the grants its codes create (by id, tokens/grants.ts). */
export interface SessionClient {
  clientId: string;
  grantIds: string[];
  /** When it last signed in with the session (ms). */
  at: number;
}

export interface BrokerSession {
  /** `ses_` + 26 base32: the tokens' `sid`. */
  id: string;
  projectId: string;
  userId: string;
  /** The provider the person authenticated with. */
  providerId: string;
  /** SHA-256 of the cookie's secret. */
  secretHash: string;
  /** When the person authenticated upstream (seconds), and how: `amr`, and `acr` when the provider is trusted. */
  authTime: number;
  amr: string[];
  acr?: string;
  /** Whether that authentication satisfied the MFA policy (sessions/mfa.ts), judged when it happened. */
  mfa: boolean;
  clients: SessionClient[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end; `lastSeenAt + idleSeconds` is the idle end. */
  expiresAt: number;
  idleSeconds: number;
  /** What the admin API shows to tell sessions apart. */
  userAgent?: string;
}

/** How a session authenticated: what a new upstream sign-in gives it. */
export type Authentication = Pick<BrokerSession, "providerId" | "authTime" | "amr" | "acr" | "mfa">;

const DEFAULT_IDLE_S = 86_400;
const DEFAULT_MAX_S = 7 * 86_400;
/** Grants a session remembers; the oldest go first (a browser signs in to a few apps, a few times each). */
const MAX_GRANTS = 100;
const SESSION_ID = /^ses_[a-z2-7]{26}$/;
const USER_ID = /^usr_[a-z2-7]{20}$/;
const COOKIE_VALUE = /^(usr_[a-z2-7]{20})\.(ses_[a-z2-7]{26})\.([\w-]{43})$/;

export const isSessionId = (id: string): boolean => SESSION_ID.test(id);

/** A fresh session id: chosen before the session is written, since the first code carries it. */
export const newSessionId = (): string => `ses_${randomId(26)}`;

/** A project's session lifetimes in seconds. */
export function sessionLifetimes(project: Pick<Project, "sessions"> | null): { idleSeconds: number; maxSeconds: number } {
  return { idleSeconds: project?.sessions?.idleSeconds ?? DEFAULT_IDLE_S, maxSeconds: project?.sessions?.maxSeconds ?? DEFAULT_MAX_S };
}

/** When a session stops being usable (ms): idle or absolute, whichever is first. */
export const sessionEnd = (session: BrokerSession): number => Math.min(session.lastSeenAt + session.idleSeconds * 1000, session.expiresAt);

const ttlOf = (session: BrokerSession, now: number): { ttlMs: number } => ({ ttlMs: Math.max(sessionEnd(session) - now, 1000) });

const keyOf = (session: Pick<BrokerSession, "projectId" | "userId" | "id">): string => keys.brokerSession(session.projectId, session.userId, session.id);

/** The client's entry with one more grant, most recent last; the session keeps at most MAX_GRANTS. */
function withClient(clients: SessionClient[], clientId: string, grantId: string, now: number): SessionClient[] {
  const others = clients.filter((entry) => entry.clientId !== clientId);
  const own = clients.find((entry) => entry.clientId === clientId);
  const next = [...others, { clientId, grantIds: [...(own?.grantIds ?? []), grantId], at: now }];
  let excess = next.reduce((sum, entry) => sum + entry.grantIds.length, 0) - MAX_GRANTS;
  for (const entry of next) {
    if (excess <= 0) break;
    const dropped = Math.min(excess, entry.grantIds.length - 1);
    entry.grantIds = entry.grantIds.slice(dropped);
    excess -= dropped;
  }
  return next;
}

export class BrokerSessions {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A new session (`id` from `newSessionId`) for a sign-in to `clientId`, whose code creates `grantId`; returns it and the
   * cookie value (the only time the secret exists outside the browser).
   */
  async create(input: Authentication & { id: string; projectId: string; userId: string; clientId: string; grantId: string; userAgent?: string },
    lifetimes: { idleSeconds: number; maxSeconds: number }): Promise<{ session: BrokerSession; cookie: string }> {
    const now = this.now();
    const secret = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const { clientId, grantId, userAgent, ...authentication } = input;
    const session: BrokerSession = {
      ...authentication, secretHash: await sha256(secret),
      clients: withClient([], clientId, grantId, now), createdAt: now, lastSeenAt: now,
      expiresAt: now + lifetimes.maxSeconds * 1000, idleSeconds: lifetimes.idleSeconds,
      ...(userAgent ? { userAgent: userAgent.slice(0, 200) } : {}),
    };
    const written = await this.store.set(keyOf(session), session, { ...ttlOf(session, now), ifAbsent: true });
    if (!written.ok) throw new Error("session id collision");
    return { session, cookie: `${session.userId}.${session.id}.${secret}` };
  }

  /**
   * The live session a cookie value names, with its user, in one round trip; null when the value is
   * malformed, the session ended or lapsed, or the secret does not match (constant time).
   */
  async fromCookie(projectId: string, value: string | undefined): Promise<{ session: Versioned<BrokerSession>; user: User | null } | null> {
    const match = value === undefined ? null : COOKIE_VALUE.exec(value);
    if (!match) return null;
    const [, userId, sessionId, secret] = match as unknown as [string, string, string, string];
    const [stored, user] = await this.store.getManyVersioned<BrokerSession | User>([keys.brokerSession(projectId, userId, sessionId), keys.user(projectId, userId)]);
    if (!stored) return null;
    const session = stored.value as BrokerSession;
    const expected = base64url.decode(session.secretHash);
    const presented = base64url.decode(await sha256(secret));
    if (expected.length !== presented.length || !crypto.subtle.timingSafeEqual(expected, presented)) return null;
    if (sessionEnd(session) <= this.now()) return null;
    return { session: stored as Versioned<BrokerSession>, user: (user?.value as User | undefined) ?? null };
  }

  /**
   * Records another sign-in with the session (a client, the grant its code creates) and, when the
   * person authenticated upstream again, how; the idle time starts over. Compare-and-set over the
   * version read, re-read on a concurrent change; null if the session is gone meanwhile.
   */
  async signIn(stored: Versioned<BrokerSession>, clientId: string, grantId: string, authentication?: Authentication): Promise<BrokerSession | null> {
    let current: Versioned<BrokerSession> | null = stored;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      const now = this.now();
      const next: BrokerSession = { ...current.value, ...authentication, clients: withClient(current.value.clients, clientId, grantId, now), lastSeenAt: now };
      if (authentication && authentication.acr === undefined) delete next.acr;
      if ((await this.store.compareAndSet(keyOf(next), current.version, next, ttlOf(next, now))).ok) return next;
      current = await this.store.getVersioned<BrokerSession>(keyOf(next));
    }
    if (current) throw new Error(`could not record a sign-in with session ${stored.value.id}`);
    return null;
  }

  /** A session by its id (admin API, logout with a hint), live or not yet lapsed; null for malformed ids. */
  get(projectId: string, userId: string, sessionId: string): Promise<BrokerSession | null> {
    if (!USER_ID.test(userId) || !SESSION_ID.test(sessionId)) return Promise.resolve(null);
    return this.store.get<BrokerSession>(keys.brokerSession(projectId, userId, sessionId));
  }

  /** A user's sessions (one partition scan), newest first; lapsed ones the store has not yet dropped are left out. */
  async list(projectId: string, userId: string): Promise<BrokerSession[]> {
    const sessions: BrokerSession[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.scan<BrokerSession>(keys.brokerSessionsPrefix(projectId, userId), { limit: 100, ...(cursor ? { cursor } : {}) });
      sessions.push(...page.items.map((item) => item.value));
      cursor = page.cursor;
    } while (cursor && sessions.length < 1000);
    const now = this.now();
    return sessions.filter((session) => sessionEnd(session) > now).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Removes the record; true if this call removed it (so one ending does the rest once). */
  async remove(session: Pick<BrokerSession, "projectId" | "userId" | "id">): Promise<boolean> {
    return (await this.store.take<BrokerSession>(keyOf(session))) !== null;
  }
}
