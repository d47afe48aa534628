/**
 * What back-channel logout told this app, kept where every later request sees it: the Fedgate
 * sessions that ended (`sid`), or, for a token without a `sid`, the user (`sub`) and when. In KV
 * (demo/wrangler.toml `ENDED_SESSIONS`; local storage under `wrangler dev`), each entry kept as long
 * as a session cookie lives. The signed-in page checks its ID token's `sid` against it.
 */
import type { JWTPayload } from "jose";

/** The session cookie's lifetime (src/index.tsx): an older record can match no cookie. */
const KEEP_S = 24 * 3600;

/** Records a verified logout token's session (or user). */
export async function recordLogout(kv: KVNamespace, ended: { sid?: string; sub?: string; iat: number }): Promise<void> {
  const key = ended.sid ? `sid:${ended.sid}` : `sub:${ended.sub}`;
  await kv.put(key, String(ended.iat), { expirationTtl: KEEP_S });
}

/** Whether the Fedgate session behind these ID token claims has ended: its `sid`, or its user since before the token. */
export async function wasEnded(kv: KVNamespace, idClaims: JWTPayload): Promise<boolean> {
  const sid = typeof idClaims.sid === "string" ? idClaims.sid : undefined;
  const sub = typeof idClaims.sub === "string" ? idClaims.sub : undefined;
  const [bySid, bySub] = await Promise.all([sid ? kv.get(`sid:${sid}`) : null, sub ? kv.get(`sub:${sub}`) : null]);
  return bySid !== null || (bySub !== null && Number(bySub) >= (idClaims.iat ?? 0));
}
