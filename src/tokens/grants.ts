/**
 * What a redeemed authorization code (or a token exchange) issued: one grant record each, keyed by
 * an id derived from where it came from (its `GrantSeed`), so a replayed code finds what it issued
 * without any other record (AS-3). The record holds the grant's refresh-token generation (AS-4) and
 * its newest access token, which is deny-listed when the grant is revoked.
 *
 * A refresh token is `<projectId>.<userId>.<grantId>.<generation>.<mac>`, the MAC keyed by a key
 * derived from FEDGATE_ENCRYPTION_KEY: nothing secret is stored, every token ever issued can be
 * recognised, and a refresh reads the grant and its user together in one round trip. Presenting the
 * current generation rotates it (compare-and-set: of concurrent uses exactly one wins); an older,
 * genuine one is a replay and revokes the grant (SECURITY.md AS-4). The client's reuse grace
 * (`refreshTokenReuseGraceSeconds`, 0 by default) spares only the generation rotated away within
 * it: refused, but the grant is kept, for clients that race themselves. A grace is a trade: a thief
 * who rotated first keeps the family if the rightful client comes back within it.
 */
import { base64url } from "jose";
import { base32, sha256Bytes } from "../encoding";
import type { User } from "../identity/users";
import { randomId } from "../ids";
import { derivedHmacKey } from "../security/secrets";
import * as keys from "../store/keys";
import type { Store } from "../store/store";
import { denyAccessToken } from "./deny-list";

export interface GrantRecord {
  id: string;
  projectId: string;
  clientId: string;
  userId: string;
  scope: string[];
  authTime: number;
  amr: string[];
  acr?: string;
  idp: string;
  /** The broker session a code's grant was signed in with (sessions/records.ts); absent for exchanged grants. */
  sessionId?: string;
  /** The code's PKCE challenge: a replay of the code must prove it too before it revokes anything. Absent for exchanged grants. */
  codeChallenge?: string;
  /** Whether refresh tokens are issued for it. */
  refreshable: boolean;
  generation: number;
  /** When the current generation was issued (ms). */
  rotatedAt: number;
  createdAt: number;
  /** Absolute expiry (ms): rotation does not extend it. */
  expiresAt: number;
  /** The newest access token issued from the grant (`exp` in seconds). */
  access: { jti: string; exp: number };
  revoked?: { at: number; reason: "reuse" | "revocation" | "code_replay" | "user_disabled" | "session_ended" };
}

export type GrantInput = Pick<GrantRecord, "projectId" | "clientId" | "userId" | "scope" | "authTime" | "amr" | "acr" | "idp" | "sessionId" | "codeChallenge" | "refreshable">;

type RotationFailure =
  /** Not a refresh token Fedgate issued, or issued to another client. */
  | "invalid"
  | "expired"
  | "revoked"
  /** An old generation came back (or two requests raced without a grace): the grant is now revoked. */
  | "reused"
  /** The generation rotated away within the client's reuse grace came back: refused, the grant kept. */
  | "concurrent";

export type Rotation = { ok: true; token: string; grant: GrantRecord } | { ok: false; reason: RotationFailure; grant?: GrantRecord };

const TOKEN = /^(prj_[a-z2-7]{16})\.(usr_[a-z2-7]{20})\.([a-z2-7]{26})\.(\d{1,9})\.([\w-]{43})$/;
/** Revoked grants are remembered until their expiry, so late replays still count as reuse. */
const MARGIN_MS = 60_000;
/** A grant without refresh tokens lives as long as a replay of its code could matter. */
const CODE_REPLAY_WINDOW_MS = 10 * 60_000;

/**
 * Where a grant came from, which names it:
 * - `code`: a redeemed authorization code, by the hash of its nonce (oauth/codes.ts), so a replay of
 *   the code finds the grant (AS-3);
 * - `exchange`: a token exchange, by a random nonce (`exchangeSeed`): only its refresh tokens find it.
 */
export type GrantSeed = { kind: "code"; codeHash: string } | { kind: "exchange"; nonce: string };

/** A fresh seed for an exchanged grant. */
export const exchangeSeed = (): GrantSeed => ({ kind: "exchange", nonce: randomId(26) });

/** The grant id a seed names: 130 bits of SHA-256, lower-case base32 (what refresh tokens carry). */
export async function grantIdFor(seed: GrantSeed): Promise<string> {
  const named = seed.kind === "code" ? seed.codeHash : `exchange:${seed.nonce}`;
  return base32((await sha256Bytes(`grant:${named}`)).subarray(0, 26));
}

export class Grants {
  constructor(
    private readonly store: Store,
    private readonly encryptionKey: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  private async mac(payload: string): Promise<string> {
    const key = await derivedHmacKey(this.encryptionKey, "fedgate refresh tokens v2");
    return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload))));
  }

  private async tokenFor(grant: GrantRecord): Promise<string> {
    const payload = `${grant.projectId}.${grant.userId}.${grant.id}.${grant.generation}`;
    return `${payload}.${await this.mac(payload)}`;
  }

  /** What a refresh token names, if Fedgate issued it; constant-time MAC check. */
  private async parse(token: string): Promise<{ projectId: string; userId: string; grantId: string; generation: number } | null> {
    const match = TOKEN.exec(token);
    if (!match) return null;
    const [, projectId, userId, grantId, generation, given] = match as unknown as [string, string, string, string, string, string];
    const expected = base64url.decode(await this.mac(`${projectId}.${userId}.${grantId}.${generation}`));
    const presented = base64url.decode(given);
    if (expected.length !== presented.length || !crypto.subtle.timingSafeEqual(expected, presented)) return null;
    return { projectId, userId, grantId, generation: Number(generation) };
  }

  private ttl(grant: GrantRecord): number {
    return Math.max(grant.expiresAt - this.now(), 0) + MARGIN_MS;
  }

  /**
   * Records what a code or token exchange issued (before any token leaves) and returns the first
   * refresh token when the grant is refreshable.
   */
  async record(input: GrantInput, seed: GrantSeed, access: GrantRecord["access"], refreshLifetimeS: number): Promise<{ grant: GrantRecord; refreshToken?: string }> {
    const recorded = await this.recordOnce(input, seed, access, refreshLifetimeS);
    if (!recorded) throw new Error(`grant already recorded for this ${seed.kind}`);
    return recorded;
  }

  /**
   * `record`, or null (nothing written) if the seed's grant already exists: for a code, this one
   * write is its single-use check, and null means the code was redeemed before (a replay).
   */
  async recordOnce(input: GrantInput, seed: GrantSeed, access: GrantRecord["access"], refreshLifetimeS: number): Promise<{ grant: GrantRecord; refreshToken?: string } | null> {
    const now = this.now();
    const grant: GrantRecord = {
      ...input, id: await grantIdFor(seed), generation: 0, rotatedAt: now, createdAt: now, access,
      expiresAt: now + (input.refreshable ? refreshLifetimeS * 1000 : Math.max(CODE_REPLAY_WINDOW_MS, access.exp * 1000 - now)),
    };
    const written = await this.store.set(keys.grant(grant.id), grant, { ttlMs: this.ttl(grant), ifAbsent: true });
    if (!written.ok) return null;
    return input.refreshable ? { grant, refreshToken: await this.tokenFor(grant) } : { grant };
  }

  /**
   * The refresh_token grant's rotation. `issue` runs on the live grant and user before anything
   * changes; it may throw to refuse (scope, a disabled user) and otherwise mints the new access
   * token, whose id the rotation records. Reads grant and user in one round trip, writes once.
   * `reuseGraceMs` (the client's `refreshTokenReuseGraceSeconds`): how long after a rotation the
   * previous generation is refused without revoking the grant; 0, any reuse revokes it.
   */
  async rotate(token: string, clientId: string, issue: (grant: GrantRecord, user: User | null) => Promise<GrantRecord["access"]>, reuseGraceMs = 0): Promise<Rotation> {
    const named = await this.parse(token);
    if (!named) return { ok: false, reason: "invalid" };
    const [stored, user] = await this.store.getManyVersioned<GrantRecord | User>([keys.grant(named.grantId), keys.user(named.projectId, named.userId)]);
    if (!stored) return { ok: false, reason: "invalid" };
    const grant = stored.value as GrantRecord;
    if (!grant.refreshable || grant.clientId !== clientId || grant.userId !== named.userId) return { ok: false, reason: "invalid" };
    if (grant.revoked) return { ok: false, reason: "revoked", grant };
    if (grant.expiresAt <= this.now()) return { ok: false, reason: "expired", grant };
    if (named.generation === grant.generation - 1 && this.now() - grant.rotatedAt < reuseGraceMs) return { ok: false, reason: "concurrent", grant };
    if (named.generation < grant.generation) return this.reused(grant);
    if (named.generation > grant.generation) return { ok: false, reason: "invalid" };
    const access = await issue(grant, (user?.value as User | undefined) ?? null);
    const next: GrantRecord = { ...grant, generation: grant.generation + 1, rotatedAt: this.now(), access };
    const written = await this.store.compareAndSet(keys.grant(grant.id), stored.version, next, { ttlMs: this.ttl(next) });
    // Lost the race to another use of the same token: a reuse like any other, inside the grace or not
    // (a race is never older than a grace of 1 s or more, so any grace spares it).
    if (!written.ok) return reuseGraceMs > 0 ? { ok: false, reason: "concurrent", grant } : this.reused(grant);
    return { ok: true, token: await this.tokenFor(next), grant: next };
  }

  private async reused(grant: GrantRecord): Promise<Rotation> {
    await this.revoke(grant.id, "reuse");
    return { ok: false, reason: "reused", grant };
  }

  /** A code presented again after its redemption: revokes what it issued only if the same client proves the same verifier. */
  async replayedCode(codeHash: string, clientId: string, proves: (codeChallenge: string) => Promise<boolean>): Promise<"revoked" | "unproven" | "unknown"> {
    const grant = await this.store.get<GrantRecord>(keys.grant(await grantIdFor({ kind: "code", codeHash })));
    if (!grant) return "unknown";
    if (grant.clientId !== clientId || grant.codeChallenge === undefined || !(await proves(grant.codeChallenge))) return "unproven";
    await this.revoke(grant.id, "code_replay");
    return "revoked";
  }

  /** Revokes the grant a refresh token belongs to (RFC 7009); false if the token is not this client's. */
  async revokeToken(token: string, clientId: string): Promise<boolean> {
    const named = await this.parse(token);
    if (!named) return false;
    const grant = await this.store.get<GrantRecord>(keys.grant(named.grantId));
    if (!grant || grant.clientId !== clientId) return false;
    await this.revoke(grant.id, "revocation");
    return true;
  }

  /**
   * Marks a grant revoked (compare-and-set, so a concurrent rotation cannot undo it) and deny-lists its
   * newest access token. `ifUnredeemed`: a grant not recorded yet (its code not yet redeemed) is
   * recorded revoked now, so the code's later redemption finds it and is refused as a replay.
   */
  async revoke(grantId: string, reason: NonNullable<GrantRecord["revoked"]>["reason"], ifUnredeemed?: Pick<GrantRecord, "projectId" | "clientId" | "userId">): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.store.getVersioned<GrantRecord>(keys.grant(grantId));
      if (!stored && ifUnredeemed) {
        if ((await this.store.set(keys.grant(grantId), this.revokedPlaceholder(grantId, reason, ifUnredeemed), { ttlMs: CODE_REPLAY_WINDOW_MS, ifAbsent: true })).ok) return;
        continue; // redeemed meanwhile: revoke what it recorded
      }
      if (!stored || stored.value.revoked) return;
      const revoked: GrantRecord = { ...stored.value, revoked: { at: this.now(), reason } };
      if ((await this.store.compareAndSet(keys.grant(grantId), stored.version, revoked, { ttlMs: this.ttl(revoked) })).ok) {
        await denyAccessToken(this.store, revoked.access.jti, revoked.access.exp, revoked.clientId, this.now());
        return;
      }
    }
    throw new Error(`could not revoke grant ${grantId}`);
  }

  /** A revoked grant standing in for one whose code is still unredeemed: it issues nothing, lives as long as the code could. */
  private revokedPlaceholder(grantId: string, reason: NonNullable<GrantRecord["revoked"]>["reason"], owner: Pick<GrantRecord, "projectId" | "clientId" | "userId">): GrantRecord {
    const now = this.now();
    return {
      ...owner, id: grantId, scope: [], authTime: 0, amr: [], idp: "", refreshable: false, generation: 0, rotatedAt: now, createdAt: now,
      expiresAt: now + CODE_REPLAY_WINDOW_MS, access: { jti: "", exp: 0 }, revoked: { at: now, reason },
    };
  }
}
