/**
 * RP-3, RP-4, RP-8 and key rotation: the upstream JWKS cache against the emulators. These tests need
 * global switches (JWKS content, rotateKey, delay/fail on jwks), so they all use `okta-org`, which no
 * other broker test file switches globally, run sequentially in this one file, and undo what they set
 * (rotateKey cannot be undone without a full reset, which would hit other files: a rotated key is
 * harmless to anyone who refetches on an unknown kid, as RP-4 requires).
 */
import { decodeProtectedHeader } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJwksCache, type JwksCacheOptions } from "../../src/federation/jwks";
import { verifyIdToken, type IdTokenExpectations } from "../../src/federation/verify";
import { emulatorSwitch } from "../helpers/admin";
import { registerUpstreamClient, resetUpstreamClient, upstream, upstreamCode, type UpstreamTokenResponse } from "../helpers/upstream";

const P = "okta-org";
const { issuer, jwksUri } = upstream(P);
let clientId: string;
beforeAll(async () => {
  clientId = (await registerUpstreamClient(P)).clientId;
});
afterEach(async () => {
  await emulatorSwitch(P, { jwks: null, delay: null, fail: null });
  await resetUpstreamClient(clientId);
});

/** A private cache on a clock the test moves (the refetch gate's; token times stay real). */
function cacheAt(options: JwksCacheOptions = {}) {
  const clock = { ms: 1_000_000 };
  const cache = createJwksCache({ clock: () => clock.ms, ...options });
  return { cache, clock, fetches: () => cache.fetchCount(jwksUri) };
}

const scoped = (switches: Record<string, unknown>) => emulatorSwitch(P, { clientId, ...switches });
const signIn = async () => (await upstreamCode(P, { clientId })).redeem();
const expectFor = (cache: ReturnType<typeof cacheAt>["cache"]): IdTokenExpectations => ({ issuer, jwksUri, clientId, jwks: cache });
const verify = (tokens: UpstreamTokenResponse, cache: ReturnType<typeof cacheAt>["cache"]) => verifyIdToken(tokens.id_token!, expectFor(cache));
const kidOf = (tokens: UpstreamTokenResponse) => decodeProtectedHeader(tokens.id_token!).kid;
const refused = (code: string) => ({ name: "UpstreamTokenError", code });

describe("federation: upstream key sets", () => {
  it("oidcc-client-test-kid-absent-single-jwks: no kid is accepted when the JWKS holds exactly one key", async () => {
    await emulatorSwitch(P, { jwks: "single" });
    await scoped({ omitKid: true });
    const tokens = await signIn();
    expect(kidOf(tokens)).toBeUndefined();
    const { cache } = cacheAt();
    await expect(verify(tokens, cache)).resolves.toMatchObject({ claims: { iss: issuer } });
  });

  it("oidcc-client-test-kid-absent-multiple-jwks: no kid is refused when the JWKS holds two keys", async () => {
    await scoped({ omitKid: true });
    const { cache, fetches } = cacheAt();
    await expect(verify(await signIn(), cache)).rejects.toMatchObject(refused("kid"));
    expect(fetches()).toBe(1);
  });

  it("oidcc-client-test-signing-key-rotation: a token with the new kid verifies after exactly one refetch; the old key's tokens are then refused", async () => {
    const { cache, clock, fetches } = cacheAt();
    const before = await signIn();
    await verify(before, cache);
    expect(fetches()).toBe(1);
    await emulatorSwitch(P, { rotateKey: true });
    clock.ms += 31_000; // past the cooldown since the last fetch
    const after = await signIn();
    expect(kidOf(after)).not.toBe(kidOf(before));
    await expect(verify(after, cache)).resolves.toMatchObject({ header: { kid: kidOf(after) } });
    expect(fetches()).toBe(2);
    await expect(verify(before, cache)).rejects.toMatchObject(refused("kid")); // dropped from the JWKS; no refetch within the cooldown
    await verify(after, cache);
    expect(fetches()).toBe(2);
  });

  it("oidcc-client-test-signing-key-rotation-just-before-signing: keys rotated between sign-in and token redemption", async () => {
    const { cache, clock, fetches } = cacheAt();
    await verify(await signIn(), cache);
    const pending = await upstreamCode(P, { clientId }); // the user has signed in; the ID token is not signed yet
    await emulatorSwitch(P, { rotateKey: true });
    clock.ms += 31_000;
    await expect(verify(await pending.redeem(), cache)).resolves.toBeTruthy();
    expect(fetches()).toBe(2);
  });

  it("RP-4: an unknown kid refetches at most once per cooldown: N bad tokens → 1 extra JWKS fetch", async () => {
    const { cache, clock, fetches } = cacheAt({ cooldownMs: 30_000 });
    await verify(await signIn(), cache);
    await scoped({ signing: "unknown-key" });
    const bad = await Promise.all([signIn(), signIn(), signIn()]);
    const burst = () => Promise.all([...bad, ...bad].map((t) => verify(t, cache).then(() => "accepted", (e: { code: string }) => e.code)));

    expect(await burst()).toEqual(Array(6).fill("kid")); // within the cooldown of the first fetch: no refetch at all
    expect(fetches()).toBe(1);
    clock.ms += 30_000;
    expect(await burst()).toEqual(Array(6).fill("kid")); // six concurrent bad tokens: one refetch between them
    expect(fetches()).toBe(2);
    expect(await burst()).toEqual(Array(6).fill("kid"));
    expect(fetches()).toBe(2);
    clock.ms += 30_000;
    await expect(verify(bad[0]!, cache)).rejects.toMatchObject(refused("kid"));
    expect(fetches()).toBe(3);
  });

  it("RP-8: a JWKS endpoint that hangs gives jwks_unavailable within the timeout", async () => {
    const tokens = await signIn();
    await emulatorSwitch(P, { delay: { ms: 5000, endpoints: ["jwks"] } });
    const { cache } = cacheAt({ timeoutMs: 300 });
    const started = Date.now();
    await expect(verify(tokens, cache)).rejects.toMatchObject(refused("jwks_unavailable"));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("RP-8: a failing JWKS endpoint gives jwks_unavailable, and the next verification fetches again", async () => {
    const tokens = await signIn();
    await emulatorSwitch(P, { fail: { status: 503, endpoints: ["jwks"] } });
    const { cache, fetches } = cacheAt();
    await expect(verify(tokens, cache)).rejects.toMatchObject(refused("jwks_unavailable"));
    await emulatorSwitch(P, { fail: null });
    await expect(verify(tokens, cache)).resolves.toBeTruthy();
    expect(fetches()).toBe(2);
  });

  it("RP-8: the JWKS timeout cannot exceed 5 s; plain http is refused off loopback", async () => {
    expect(() => createJwksCache({ timeoutMs: 5001 })).toThrow(TypeError);
    const tokens = await signIn();
    const { cache, fetches } = cacheAt();
    const remote = { ...expectFor(cache), jwksUri: "http://idp.example/keys" };
    await expect(verifyIdToken(tokens.id_token!, remote)).rejects.toMatchObject(refused("jwks_unavailable"));
    expect(fetches()).toBe(0);
  });

  it("a warm verification makes no upstream call", async () => {
    const { cache, fetches } = cacheAt();
    const [a, b] = await Promise.all([signIn(), signIn()]);
    await verify(a!, cache);
    await Promise.all([verify(a!, cache), verify(b!, cache), verify(b!, cache)]);
    expect(fetches()).toBe(1);
  });
});
