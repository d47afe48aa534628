/**
 * Ending a broker session, whoever ends it (RP-initiated logout, an app's API sign-out, an admin
 * revoking it or disabling its user, another person signing in in the same browser): the record is
 * taken (so one ending does everything once), every grant its clients' codes created is revoked
 * (a code not yet redeemed can no longer be), and each client that registered a back-channel logout
 * URI is told, off the request path (sessions/backchannel-logout.ts). Audited as `session.end`.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Actor } from "../security/audit-event";
import { audit } from "../security/audit";
import { Grants } from "../tokens/grants";
import { queueBackchannelLogouts } from "./backchannel-logout";
import { BrokerSessions, type BrokerSession } from "./records";

/** Why a session ended, for the audit log and the grants' revocation records. */
export type EndReason = "logout" | "api_sign_out" | "admin_revoked" | "user_disabled" | "replaced";

/** Ends the session; false if it had already ended (or lapsed). */
export async function endSession(c: Context<AppEnv>, session: BrokerSession, reason: EndReason, actor: Actor): Promise<boolean> {
  const { store, config } = c.var;
  if (!(await new BrokerSessions(store).remove(session))) return false;
  const grants = new Grants(store, config.encryptionKey);
  const owner = { projectId: session.projectId, userId: session.userId };
  await Promise.all(session.clients.flatMap(({ clientId, grantIds }) =>
    grantIds.map((grantId) => grants.revoke(grantId, reason === "user_disabled" ? "user_disabled" : "session_ended", { ...owner, clientId }))));
  const backchannelLogout = await queueBackchannelLogouts(c, session);
  await audit(c, {
    projectId: session.projectId, actor, action: "session.end", target: { type: "session", id: session.id },
    after: { userId: session.userId, reason, clients: session.clients.map((entry) => entry.clientId), backchannelLogout },
  });
  return true;
}

/** Ends the user's session `sessionId` if it is still live; false when there is none (ended, lapsed, or never was). */
export async function endSessionById(c: Context<AppEnv>, named: { projectId: string; userId: string; sessionId: string }, reason: EndReason, actor: Actor): Promise<boolean> {
  const session = await new BrokerSessions(c.get("store")).get(named.projectId, named.userId, named.sessionId);
  return session ? endSession(c, session, reason, actor) : false;
}
