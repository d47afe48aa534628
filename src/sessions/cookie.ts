/**
 * The broker session's cookie: one per project (a browser may be signed in to several tenants of one
 * Fedgate), HttpOnly, Secure except on plain-http local development, SameSite=Lax (sent on the
 * top-level navigations to /oauth2/authorize and /oauth2/logout, never on cross-site posts), and
 * scoped to /oauth2, the only paths that read it (SECURITY.md AB-5).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";

const PATH = "/oauth2";

export const sessionCookieName = (projectId: string): string => `fg_session_${projectId}`;

export const readSessionCookie = (c: Context<AppEnv>, projectId: string): string | undefined => getCookie(c, sessionCookieName(projectId));

/** Sets the cookie for as long as the session can live; the server enforces the idle end. */
export function writeSessionCookie(c: Context<AppEnv>, projectId: string, value: string, maxAgeSeconds: number): void {
  setCookie(c, sessionCookieName(projectId), value, {
    httpOnly: true, secure: c.get("config").issuer.startsWith("https:"), sameSite: "Lax", path: PATH, maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(c: Context<AppEnv>, projectId: string): void {
  deleteCookie(c, sessionCookieName(projectId), { path: PATH, secure: c.get("config").issuer.startsWith("https:") });
}
