/**
 * Refresh tokens that rotate on every use, with reuse detection (SECURITY.md AS-4, RFC 9700 §4.14).
 *
 * A token is `<familyId>.<generation>.<mac>`, the MAC keyed by a key derived from
 * FEDGATE_ENCRYPTION_KEY: nothing secret is stored, every token ever issued can be recognised,
 * and the store holds only the family's current generation. Presenting the current generation
 * rotates it (compare-and-set: of concurrent uses exactly one wins); presenting an older, genuine
 * one is a replay and revokes the whole family, except for the generation rotated away in the last
 * few seconds, which is the client racing itself.
 */
import { base64url } from "jose";
import { randomId } from "../ids";
import { derivedHmacKey } from "../security/secrets";
import * as keys from "../store/keys";
import type { Store } from "../store/store";

export interface RefreshFamily {
  id: string;
  projectId: string;
  clientId: string;
  userId: string;
  scope: string[];
  /** What the ID tokens refreshed from it repeat. */
  authTime: number;
  amr: string[];
  idp: string;
  generation: number;
  /** When the current generation was issued. */
  rotatedAt: number;
  createdAt: number;
  /** Absolute expiry (ms): rotation does not extend it. */
  expiresAt: number;
  revoked?: { at: number; reason: "reuse" | "revocation" | "code_replay" };
}

export type RotationFailure =
  /** Not a token Fedgate issued, or issued to another client. */
  | "invalid"
  | "expired"
  | "revoked"
  /** An old generation came back: the family is now revoked. */
  | "reused"
  /** Another request rotated this generation at the same moment. */
  | "concurrent";

export type Rotation = { ok: true; token: string; family: RefreshFamily } | { ok: false; reason: RotationFailure; family?: RefreshFamily };

const TOKEN = /^([a-z2-7]{26})\.(\d{1,9})\.([\w-]{43})$/;
/** Revoked families are remembered until their expiry, so late replays still count as reuse. */
const MARGIN_MS = 60_000;
/**
 * The generation just rotated away, presented this soon after, is a race between a client's own
 * concurrent requests (refused, family kept), not a replay (family revoked).
 */
const CONCURRENCY_GRACE_MS = 5_000;

/** A family id, chosen before the family exists when something must point at it first. */
export const newFamilyId = (): string => randomId(26);

export class RefreshTokens {
  constructor(
    private readonly store: Store,
    private readonly encryptionKey: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  private async mac(familyId: string, generation: number): Promise<string> {
    const key = await derivedHmacKey(this.encryptionKey, "fedgate refresh tokens v1");
    return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${familyId}.${generation}`))));
  }

  private async tokenFor(family: RefreshFamily): Promise<string> {
    return `${family.id}.${family.generation}.${await this.mac(family.id, family.generation)}`;
  }

  /** The family and generation a token names, if Fedgate issued it; constant-time MAC check. */
  private async parse(token: string): Promise<{ familyId: string; generation: number } | null> {
    const match = TOKEN.exec(token);
    if (!match) return null;
    const [, familyId, generationText, given] = match as unknown as [string, string, string, string];
    const expected = base64url.decode(await this.mac(familyId, Number(generationText)));
    const presented = base64url.decode(given);
    const equal = expected.length === presented.length && crypto.subtle.timingSafeEqual(expected, presented);
    return equal ? { familyId, generation: Number(generationText) } : null;
  }

  private ttl(family: RefreshFamily): number {
    return Math.max(family.expiresAt - this.now(), 0) + MARGIN_MS;
  }

  /** Starts a family for a grant and returns its first token. */
  async issue(
    grant: Omit<RefreshFamily, "id" | "generation" | "rotatedAt" | "createdAt" | "expiresAt" | "revoked">,
    lifetimeS: number,
    familyId: string = newFamilyId(),
  ): Promise<{ token: string; family: RefreshFamily }> {
    const now = this.now();
    const family: RefreshFamily = { ...grant, id: familyId, generation: 0, rotatedAt: now, createdAt: now, expiresAt: now + lifetimeS * 1000 };
    const written = await this.store.set(keys.refreshFamily(family.id), family, { ttlMs: this.ttl(family), ifAbsent: true });
    if (!written.ok) throw new Error("refresh family id collision");
    return { token: await this.tokenFor(family), family };
  }

  /**
   * Exchanges a refresh token for the next one (refresh_token grant). `beforeRotate` runs on the
   * live family before anything changes and may throw to refuse (scope, disabled user), so a
   * refused request leaves the client's token as it was.
   */
  async rotate(token: string, clientId: string, beforeRotate?: (family: RefreshFamily) => Promise<void>): Promise<Rotation> {
    const named = await this.parse(token);
    if (!named) return { ok: false, reason: "invalid" };
    const stored = await this.store.getVersioned<RefreshFamily>(keys.refreshFamily(named.familyId));
    if (!stored || stored.value.clientId !== clientId) return { ok: false, reason: "invalid" };
    const family = stored.value;
    if (family.revoked) return { ok: false, reason: "revoked", family };
    if (family.expiresAt <= this.now()) return { ok: false, reason: "expired", family };
    if (named.generation === family.generation - 1 && this.now() - family.rotatedAt < CONCURRENCY_GRACE_MS) {
      return { ok: false, reason: "concurrent", family };
    }
    if (named.generation < family.generation) {
      await this.revokeFamily(family.id, "reuse");
      return { ok: false, reason: "reused", family };
    }
    if (named.generation > family.generation) return { ok: false, reason: "invalid" };
    await beforeRotate?.(family);
    const next: RefreshFamily = { ...family, generation: family.generation + 1, rotatedAt: this.now() };
    const written = await this.store.compareAndSet(keys.refreshFamily(family.id), stored.version, next, { ttlMs: this.ttl(next) });
    if (!written.ok) return { ok: false, reason: "concurrent", family };
    return { ok: true, token: await this.tokenFor(next), family: next };
  }

  /** Revokes the family a token belongs to (RFC 7009); false if the token is not one of ours. */
  async revoke(token: string, clientId: string): Promise<boolean> {
    const named = await this.parse(token);
    if (!named) return false;
    const family = await this.store.get<RefreshFamily>(keys.refreshFamily(named.familyId));
    if (!family || family.clientId !== clientId) return false;
    await this.revokeFamily(family.id, "revocation");
    return true;
  }

  /** Marks a family revoked (compare-and-set, so a concurrent rotation cannot undo it). */
  async revokeFamily(familyId: string, reason: NonNullable<RefreshFamily["revoked"]>["reason"]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.store.getVersioned<RefreshFamily>(keys.refreshFamily(familyId));
      if (!stored || stored.value.revoked) return;
      const revoked: RefreshFamily = { ...stored.value, revoked: { at: this.now(), reason } };
      if ((await this.store.compareAndSet(keys.refreshFamily(familyId), stored.version, revoked, { ttlMs: this.ttl(revoked) })).ok) return;
    }
    throw new Error(`could not revoke refresh family ${familyId}`);
  }
}
