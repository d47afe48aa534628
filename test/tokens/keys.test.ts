import { env } from "cloudflare:workers";
import { SignJWT, compactDecrypt, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { Sealer } from "../../src/security/encryption";
import { DurableObjectStore } from "../../src/store/durable-object";
import type { Store } from "../../src/store/store";
import { UpstashStore } from "../../src/store/upstash";
import type { SigningAlg } from "../../src/config";
import { KeyCache, SigningKeys, keyPolicy, type KeySetRecord } from "../../src/tokens/signing-keys";

const config = parseConfig(env as unknown as Record<string, unknown>);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sets = 0;
/** Signing keys over a key set of their own, with a clock the test moves. */
function harness(options: { store?: Store; recordKey?: string } = {}) {
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const store = options.store ?? new DurableObjectStore(env.STORE);
  const recordKey = options.recordKey ?? `{keys-test-${Date.now()}-${sets++}}signing-keys`;
  const policy = keyPolicy(config);
  const make = () =>
    new SigningKeys({ store, cache: new KeyCache(), sealer: new Sealer(config.encryptionKey), policy, now: () => clock.now, recordKey });
  return { clock, store, recordKey, policy, keys: make(), make };
}

async function signWith(keys: SigningKeys, claims: Record<string, unknown> = {}, alg?: SigningAlg): Promise<string> {
  const signer = await keys.signer(alg);
  return new SignJWT({ sub: "user-1", ...claims })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "at+jwt" })
    .setIssuer(config.issuer)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(signer.privateKey);
}

async function verifyAgainstJwks(keys: SigningKeys, token: string) {
  const jwks = createLocalJWKSet({ keys: await keys.publicKeys() });
  return jwtVerify(token, jwks, { issuer: config.issuer });
}

describe("signing keys", () => {
  it("AS-8: creates an ES256 key on first use and publishes it with its kid", async () => {
    const { keys } = harness();
    const published = await keys.publicKeys();
    expect(published).toHaveLength(2); // the active key and the next one, published ahead of use
    for (const jwk of published) expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    for (const jwk of published) expect(jwk).not.toHaveProperty("d");

    const token = await signWith(keys);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: published[0]!.kid });
    const { payload } = await verifyAgainstJwks(keys, token);
    expect(payload.sub).toBe("user-1");
  });

  it("AS-8: creates RS256 keys only when asked to sign with RS256, and publishes them beside the ES256 ones", async () => {
    const { keys, store, recordKey } = harness();
    await signWith(keys);
    expect((await keys.publicKeys()).map((jwk) => jwk.alg)).toEqual(["ES256", "ES256"]);

    const token = await signWith(keys, {}, "RS256");
    expect(decodeProtectedHeader(token).alg).toBe("RS256");
    await verifyAgainstJwks(keys, token);
    const published = await keys.publicKeys();
    expect(published.filter((jwk) => jwk.alg === "RS256")).toHaveLength(2); // active and next
    for (const jwk of published.filter((jwk) => jwk.alg === "RS256")) expect(jwk).toMatchObject({ kty: "RSA", use: "sig" });
    for (const jwk of published) expect(jwk).not.toHaveProperty("d");
    // The ES256 key still signs by default, and the stored set holds one active key per algorithm.
    expect(decodeProtectedHeader(await signWith(keys)).alg).toBe("ES256");
    const stored = (await store.get<KeySetRecord>(recordKey))!;
    expect(stored.keys.filter((key) => key.state === "active").map((key) => key.alg).sort()).toEqual(["ES256", "RS256"]);
  });

  it("AS-8: another isolate, whose cached key set predates the RS256 keys, signs with the same RS256 key", async () => {
    const { keys, make } = harness();
    const other = make();
    await other.signer(); // caches a key set without RS256
    const first = await keys.signer("RS256");
    const second = await other.signer("RS256");
    expect(second.kid).toBe(first.kid);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => make().signer("RS256")));
    expect(new Set(concurrent.map((s) => s.kid))).toEqual(new Set([first.kid]));
  });

  it("AS-8: a key set from a SIGNING_ALG=RS256 deployment keeps its RS256 keys for ID tokens and gains ES256 ones for access tokens", async () => {
    const { keys, make } = harness();
    const { set: before } = await keys.rotate("ensure", "RS256"); // what such a deployment stored: RS256 keys only
    expect(before.keys.map((key) => key.alg)).toEqual(["RS256", "RS256"]);
    const rs256Kid = before.keys.find((key) => key.state === "active")!.kid;

    const upgraded = make();
    expect((await upgraded.signer()).alg).toBe("ES256");
    expect((await upgraded.signer("RS256")).kid).toBe(rs256Kid);
    expect((await upgraded.publicKeys()).map((jwk) => jwk.alg).sort()).toEqual(["ES256", "ES256", "RS256", "RS256"]);
  });

  it("AD-2: keeps private keys only sealed at rest, bound to their kid", async () => {
    const { keys, store, recordKey } = harness();
    await keys.publicKeys();
    const stored = (await store.get<KeySetRecord>(recordKey))!;
    const raw = JSON.stringify(stored);
    expect(raw).not.toMatch(/"d"\s*:/);
    const active = stored.keys.find((key) => key.state === "active")!;
    expect(decodeProtectedHeader(active.sealedPrivateJwk)).toMatchObject({ alg: "dir", enc: "A256GCM", ctx: `signing-key:${active.kid}` });
    // The right key opens it; another key does not; nor does the ciphertext pass for another key's.
    const { plaintext } = await compactDecrypt(active.sealedPrivateJwk, config.encryptionKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toHaveProperty("d");
    await expect(new Sealer(crypto.getRandomValues(new Uint8Array(32))).open(active.sealedPrivateJwk, `signing-key:${active.kid}`)).rejects.toThrow();
    await expect(new Sealer(config.encryptionKey).open(active.sealedPrivateJwk, "signing-key:another")).rejects.toThrow();
  });

  it("creates exactly one key set when many isolates start at once", async () => {
    const { make } = harness();
    const signers = await Promise.all(Array.from({ length: 10 }, () => make().signer()));
    expect(new Set(signers.map((s) => s.kid)).size).toBe(1);
  });

  it("works the same over the Upstash store", async () => {
    const { keys } = harness({ store: new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN }) });
    await verifyAgainstJwks(keys, await signWith(keys));
  });

  describe("rotation", () => {
    it("AS-8: a scheduled check promotes only an old active key and a next key published long enough", async () => {
      const { keys, clock } = harness();
      const before = await keys.describe();
      clock.now += DAY;
      expect((await keys.rotate("scheduled")).promoted).toBe(false);

      clock.now += config.keyRotationIntervalMs;
      const report = await keys.rotate("scheduled");
      expect(report.promoted).toBe(true);
      const oldActive = before.find((k) => k.state === "active")!;
      const oldNext = before.find((k) => k.state === "next")!;
      expect(report.keys.find((k) => k.kid === oldNext.kid)?.state).toBe("active");
      expect(report.keys.find((k) => k.kid === oldActive.kid)?.state).toBe("retired");
      expect(report.keys.filter((k) => k.state === "next")).toHaveLength(1);
    });

    it("AS-8: a next key signs only after it has been published, and the old key stays published until its tokens expire", async () => {
      const { keys, clock, policy, make } = harness();
      const oldToken = await signWith(keys);
      const nextKid = (await keys.describe()).find((k) => k.state === "next")!.kid;
      // A verifier fetched the JWKS before the rotation: it already holds the next key.
      const cachedByVerifier: JWK[] = await keys.publicKeys();
      expect(cachedByVerifier.map((k) => k.kid)).toContain(nextKid);

      clock.now += policy.publishLeadMs;
      expect((await keys.rotate("requested")).promoted).toBe(true);
      const newToken = await signWith(keys);
      expect(decodeProtectedHeader(newToken).kid).toBe(nextKid);
      await jwtVerify(newToken, createLocalJWKSet({ keys: cachedByVerifier }));

      // Another isolate, fresh cache, same store: the old token still verifies against the JWKS.
      const elsewhere = make();
      await verifyAgainstJwks(elsewhere, oldToken);

      // Once every token the old key signed has expired, the next check drops it.
      clock.now += policy.retainMs + 1;
      await keys.rotate("scheduled");
      expect((await keys.publicKeys()).map((k) => k.kid)).not.toContain(decodeProtectedHeader(oldToken).kid);
    });

    it("refuses a requested rotation before the next key is published long enough, unless forced", async () => {
      const { keys, clock, policy } = harness();
      await keys.publicKeys();
      clock.now += 1000;
      const early = await keys.rotate("requested");
      expect(early.promoted).toBe(false);
      expect(early.notBefore).toBe(Date.parse("2026-01-01T00:00:00Z") + policy.publishLeadMs);
      expect((await keys.rotate("forced")).promoted).toBe(true);
    });

    it("AS-8: each algorithm rotates on its own age, and retired keys of both stay published until their tokens expire", async () => {
      const { keys, clock, policy, make } = harness();
      const es256Token = await signWith(keys);
      clock.now += 10 * DAY;
      const rs256Token = await signWith(keys, {}, "RS256");
      const activeKid = async (alg: SigningAlg) => (await keys.describe()).find((k) => k.alg === alg && k.state === "active")!.kid;
      const rs256Kid = await activeKid("RS256");

      // The ES256 key is due first; the RS256 key, ten days younger, is left alone.
      clock.now += config.keyRotationIntervalMs - 10 * DAY;
      const first = await keys.rotate("scheduled");
      expect(first.promotedAlgs).toEqual(["ES256"]);
      expect(await activeKid("RS256")).toBe(rs256Kid);
      const elsewhere = make();
      await verifyAgainstJwks(elsewhere, es256Token); // retired, still published
      await verifyAgainstJwks(elsewhere, rs256Token);
      expect(first.keys.filter((k) => k.state === "next").map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);

      clock.now += 10 * DAY;
      const second = await keys.rotate("scheduled");
      expect(second.promotedAlgs).toEqual(["RS256"]);
      expect(await activeKid("RS256")).not.toBe(rs256Kid);
      await verifyAgainstJwks(make(), rs256Token); // the retired RS256 key is published...
      const rs256Retired = second.keys.find((k) => k.kid === rs256Kid)!;
      expect(rs256Retired).toMatchObject({ alg: "RS256", state: "retired" });
      // ...while the ES256 key retired ten days ago has lapsed.
      expect(second.keys.some((k) => k.kid === decodeProtectedHeader(es256Token).kid)).toBe(false);

      clock.now += policy.retainMs + 1;
      await keys.rotate("scheduled");
      expect((await keys.publicKeys()).map((k) => k.kid)).not.toContain(rs256Kid);
    });

    it("AS-8: a requested rotation of one algorithm leaves the other's keys as they were", async () => {
      const { keys, clock, policy } = harness();
      await keys.signer("RS256");
      const before = await keys.describe();
      clock.now += policy.publishLeadMs;
      const report = await keys.rotate("requested", "RS256");
      expect(report).toMatchObject({ promoted: true, promotedAlgs: ["RS256"] });
      const es256 = (list: typeof before) => list.filter((k) => k.alg === "ES256");
      expect(es256(report.keys)).toEqual(es256(before));
    });

    it("AS-8: a requested rotation of every algorithm promotes all of them or none", async () => {
      const { keys, clock, policy } = harness();
      await keys.signer();
      clock.now += policy.publishLeadMs;
      await keys.signer("RS256"); // its next key is fresh: the whole rotation waits for it
      const early = await keys.rotate("requested");
      expect(early).toMatchObject({ promoted: false, promotedAlgs: [], notBefore: clock.now + policy.publishLeadMs });

      clock.now += policy.publishLeadMs;
      const report = await keys.rotate("requested");
      expect(report.promotedAlgs).toEqual(["ES256", "RS256"]);
      expect(report.keys.filter((k) => k.state === "retired").map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);
    });

    it("never creates RS256 keys by rotating", async () => {
      const { keys, clock, policy } = harness();
      await keys.signer();
      clock.now += config.keyRotationIntervalMs + policy.publishLeadMs;
      await keys.rotate("scheduled");
      await keys.rotate("forced");
      expect((await keys.rotate("forced", "RS256")).promoted).toBe(false);
      expect((await keys.describe()).every((k) => k.alg === "ES256")).toBe(true);
    });

    it("loses no key when two isolates rotate at once", async () => {
      const { keys, make, clock, policy } = harness();
      await keys.publicKeys();
      clock.now += policy.publishLeadMs;
      const reports = await Promise.all([make().rotate("requested"), make().rotate("requested")]);
      // The loser re-reads the winner's set, whose new next key is too fresh to promote again.
      expect(reports.filter((r) => r.promoted)).toHaveLength(1);
      const final = await keys.describe();
      expect(final.filter((k) => k.state === "active")).toHaveLength(1);
      expect(final.filter((k) => k.state === "next")).toHaveLength(1);
    });
  });
});
