/**
 * Admin console sessions: a random 256-bit value in an `HttpOnly`, `SameSite=Lax` cookie
 * (`__Host-fedgate-console`, `Secure`, on an https issuer; a plain name on http://localhost dev), and
 * a store record under the value's SHA-256 (`console-session:<hash>`; the store never holds the
 * cookie). The record keeps the person's Fedgate tokens, sealed, server-side: the browser never sees
 * them. A session ends after CONSOLE_SESSION_IDLE_SECONDS without use (sliding) or
 * CONSOLE_SESSION_MAX_SECONDS after sign-in, whichever comes first; its last use is written at most
 * once a minute, so most requests only read it.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { base64url, decodeJwt } from "jose";
import type { ConsoleConfig } from "../config";
import { sha256 } from "../encoding";
import type { AppEnv } from "../env";
import { Sealer } from "../security/encryption";
import { clearSessionCookie } from "../sessions/cookie";
import { endSessionById } from "../sessions/end-session";
import { isSessionId } from "../sessions/records";
import * as keys from "../store/keys";

export interface ConsoleSession {
  userId: string;
  email: string | null;
  name: string | null;
  /** The access token the console calls the admin API with, sealed; and when it expires (epoch ms). */
  accessToken: string;
  accessExpiresAt: number;
  /** The refresh token (offline_access), sealed; absent if none was granted. */
  refreshToken?: string;
  /** The per-session CSRF token every form carries (csrf.ts). */
  csrf: string;
  /** Epoch ms: sign-in, and the last use written. */
  createdAt: number;
  lastSeenAt: number;
}

/** A session as read for one request: its record, and the store key it lives under. */
export interface OpenSession {
  key: string;
  record: ConsoleSession;
}

/** The session cookie's name: `__Host-` (Secure, Path=/, no Domain) wherever the issuer is https. */
export const sessionCookieName = (issuer: string): string => (issuer.startsWith("https:") ? "__Host-fedgate-console" : "fedgate-console");

const MINUTE_MS = 60_000;
const random = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const SEAL_CONTEXT = (key: string, what: string) => `${key}:${what}`;

/** How long the record may live from `now`: until the first of its idle and absolute ends. */
function ttlMs(record: ConsoleSession, timeouts: ConsoleConfig, now: number): number {
  return Math.max(1, Math.min(record.lastSeenAt + timeouts.idleTimeoutS * 1000, record.createdAt + timeouts.absoluteTimeoutS * 1000) - now);
}

/** Whether the session is past either timeout at `now`. */
export function expired(record: ConsoleSession, timeouts: ConsoleConfig, now: number): boolean {
  return now - record.lastSeenAt >= timeouts.idleTimeoutS * 1000 || now - record.createdAt >= timeouts.absoluteTimeoutS * 1000;
}

/** The tokens a sign-in (or a refresh) obtained, in the clear, for `createSession` and `saveTokens`. */
export interface SessionTokens {
  accessToken: string;
  expiresInS: number;
  refreshToken?: string;
}

async function sealTokens(c: Context<AppEnv>, key: string, tokens: SessionTokens, now: number) {
  const sealer = new Sealer(c.get("config").encryptionKey);
  return {
    accessToken: await sealer.seal(tokens.accessToken, SEAL_CONTEXT(key, "access")),
    accessExpiresAt: now + tokens.expiresInS * 1000,
    ...(tokens.refreshToken ? { refreshToken: await sealer.seal(tokens.refreshToken, SEAL_CONTEXT(key, "refresh")) } : {}),
  };
}

/** The session's tokens in the clear. */
export async function openTokens(c: Context<AppEnv>, session: OpenSession): Promise<{ accessToken: string; refreshToken?: string }> {
  const sealer = new Sealer(c.get("config").encryptionKey);
  const { accessToken, refreshToken } = session.record;
  return {
    accessToken: await sealer.open(accessToken, SEAL_CONTEXT(session.key, "access")),
    ...(refreshToken ? { refreshToken: await sealer.open(refreshToken, SEAL_CONTEXT(session.key, "refresh")) } : {}),
  };
}

/**
 * Ends the Fedgate broker session the console's tokens were issued in (their `sid`), so signing out of
 * the console signs the person out of Fedgate too, and its cookie goes. The token is the console's own,
 * opened from its sealed session record: its claims are read, not verified again (it may have expired).
 */
export async function endBrokerSessionOf(c: Context<AppEnv>, accessToken: string): Promise<void> {
  const { sid, sub, project } = decodeJwt(accessToken);
  if (typeof sid !== "string" || typeof sub !== "string" || typeof project !== "string" || !isSessionId(sid)) return;
  await endSessionById(c, { projectId: project, userId: sub, sessionId: sid }, "logout", { kind: "user", userId: sub });
  clearSessionCookie(c, project);
}

/** Starts a session for the person signed in and sets its cookie. */
export async function createSession(c: Context<AppEnv>, person: Pick<ConsoleSession, "userId" | "email" | "name">, tokens: SessionTokens): Promise<OpenSession> {
  const config = c.get("config");
  const value = random();
  const key = keys.consoleSession(await sha256(value));
  const now = Date.now();
  const record: ConsoleSession = { ...person, ...(await sealTokens(c, key, tokens, now)), csrf: random(), createdAt: now, lastSeenAt: now };
  await c.get("store").set(key, record, { ttlMs: ttlMs(record, config.console!, now) });
  setCookie(c, sessionCookieName(config.issuer), value, {
    httpOnly: true, secure: config.issuer.startsWith("https:"), sameSite: "Lax", path: "/",
    // The cookie may outlive the record; the record decides. Max-Age bounds it by the absolute timeout.
    maxAge: config.console!.absoluteTimeoutS,
  });
  return { key, record };
}

/**
 * The request's session, or null (no cookie, unknown, or timed out: then it is deleted). Slides the
 * idle timeout, writing the last use only when the one stored is over a minute (or a quarter of the
 * idle timeout) old.
 */
export async function readSession(c: Context<AppEnv>): Promise<OpenSession | null> {
  const config = c.get("config");
  const timeouts = config.console!;
  const value = getCookie(c, sessionCookieName(config.issuer));
  if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return null;
  const key = keys.consoleSession(await sha256(value));
  const store = c.get("store");
  const record = await store.get<ConsoleSession>(key);
  if (!record) return null;
  const now = Date.now();
  if (expired(record, timeouts, now)) {
    await store.delete(key);
    return null;
  }
  if (now - record.lastSeenAt >= Math.min(MINUTE_MS, (timeouts.idleTimeoutS * 1000) / 4)) {
    record.lastSeenAt = now;
    await store.set(key, record, { ttlMs: ttlMs(record, timeouts, now) });
  }
  return { key, record };
}

/** Replaces the session's tokens after a refresh. */
export async function saveTokens(c: Context<AppEnv>, session: OpenSession, tokens: SessionTokens): Promise<void> {
  const now = Date.now();
  const { refreshToken: _old, ...rest } = session.record;
  session.record = { ...rest, ...(await sealTokens(c, session.key, tokens, now)) };
  await c.get("store").set(session.key, session.record, { ttlMs: ttlMs(session.record, c.get("config").console!, now) });
}

/** The session as stored now (another request may have refreshed its tokens meanwhile), or null. */
export async function rereadSession(c: Context<AppEnv>, session: OpenSession): Promise<OpenSession | null> {
  const record = await c.get("store").get<ConsoleSession>(session.key);
  return record ? { key: session.key, record } : null;
}

/** Ends the session: its record and its cookie. */
export async function endSession(c: Context<AppEnv>, session: OpenSession | null): Promise<void> {
  if (session) await c.get("store").delete(session.key);
  const config = c.get("config");
  deleteCookie(c, sessionCookieName(config.issuer), { path: "/", secure: config.issuer.startsWith("https:") });
}
