import { env } from "cloudflare:workers";
import { SignJWT, compactDecrypt, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { Sealer } from "../../src/security/encryption";
import { DurableObjectStore } from "../../src/store/durable-object";
import type { Store } from "../../src/store/store";
import { UpstashStore } from "../../src/store/upstash";
import type { SigningAlg } from "../../src/config";
import { KeyCache, SigningKeys, keyPolicy, type KeySetRecord } from "../../src/tokens/keys";

const config = parseConfig(env as unknown as Record<string, unknown>);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sets = 0;
/** Signing keys over a key set of their own, with a clock the test moves. */
function harness(options: { store?: Store; alg?: SigningAlg; recordKey?: string } = {}) {
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const store = options.store ?? new DurableObjectStore(env.STORE);
  const recordKey = options.recordKey ?? `{keys-test-${Date.now()}-${sets++}}signing-keys`;
  const policy = keyPolicy({ ...config, signingAlg: options.alg ?? "ES256" });
  const make = () =>
    new SigningKeys({ store, cache: new KeyCache(), sealer: new Sealer(config.encryptionKey), policy, now: () => clock.now, recordKey });
  return { clock, store, recordKey, policy, keys: make(), make };
}

async function signWith(keys: SigningKeys, claims: Record<string, unknown> = {}): Promise<string> {
  const signer = await keys.signer();
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

  it("AS-8: signs with RS256 when the deployment says so", async () => {
    const { keys } = harness({ alg: "RS256" });
    const token = await signWith(keys);
    expect(decodeProtectedHeader(token).alg).toBe("RS256");
    await verifyAgainstJwks(keys, token);
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
