import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { DurableObjectStore } from "../../src/store/durable-object";
import { UpstashStore } from "../../src/store/upstash";
import type { Store } from "../../src/store/store";
import { Grants, grantIdFor, type GrantInput, type GrantSeed } from "../../src/tokens/grants";
import { accessTokenDenied } from "../../src/tokens/deny-list";

const config = parseConfig(env as unknown as Record<string, unknown>);
const input: GrantInput = {
  projectId: "prj_aaaaaaaaaaaaaaaa", clientId: "prj_aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb", userId: "usr_aaaaaaaaaaaaaaaaaaaa",
  scope: ["openid", "offline_access"], authTime: 1, amr: ["pwd"], idp: "okta", codeChallenge: "challenge", refreshable: true,
};
let n = 0;
const codeHash = () => `code-hash-${Date.now()}-${n++}-${Math.random()}`;
const fromCode = (hash = codeHash()): GrantSeed => ({ kind: "code", codeHash: hash });
const access = (jti = `jti-${n++}-${Math.random()}`) => ({ jti, exp: Math.floor(Date.now() / 1000) + 600 });
const issueAccess = async () => access();

for (const [name, open] of [
  ["Durable Object", () => new DurableObjectStore(env.STORE)],
  ["Upstash", () => new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN })],
] as [string, () => Store][]) {
  describe(`grants and refresh tokens over the ${name} store`, () => {
    it("AS-4: rotates on every use; without a grace, reusing the token rotated away even 1 s ago revokes the grant and deny-lists its access token", async () => {
      let clock = Date.now();
      const grants = new Grants(open(), config.encryptionKey, () => clock);
      const { refreshToken: first } = await grants.record(input, fromCode(), access(), 3600);
      expect(first).toMatch(/^prj_a{16}\.usr_a{20}\.[a-z2-7]{26}\.0\.[\w-]{43}$/);
      const second = await grants.rotate(first!, input.clientId, issueAccess);
      expect(second.ok).toBe(true);
      const secondToken = second.ok ? second.token : "";
      const lastAccess = access();
      const third = await grants.rotate(secondToken, input.clientId, async () => lastAccess);
      expect(third.ok).toBe(true);
      clock += 1_000;
      expect(await grants.rotate(secondToken, input.clientId, issueAccess)).toMatchObject({ ok: false, reason: "reused" });
      expect(await grants.rotate(third.ok ? third.token : "", input.clientId, issueAccess)).toMatchObject({ ok: false, reason: "revoked" });
      expect(await accessTokenDenied(open(), lastAccess.jti)).toBe(true);
    });

    it("AS-4: with a reuse grace of 5 s the token rotated away is refused without revoking for 5 s, then its reuse revokes", async () => {
      let clock = Date.now();
      const grants = new Grants(open(), config.encryptionKey, () => clock);
      const grace = 5_000;
      const { refreshToken: first } = await grants.record(input, fromCode(), access(), 3600);
      const second = await grants.rotate(first!, input.clientId, issueAccess, grace);
      const lastAccess = access();
      const third = await grants.rotate(second.ok ? second.token : "", input.clientId, async () => lastAccess, grace);
      expect(third.ok).toBe(true);
      // Two generations back is a replay whatever the grace.
      const elsewhere = await grants.record(input, fromCode(), access(), 3600);
      const a = await grants.rotate(elsewhere.refreshToken!, input.clientId, issueAccess, grace);
      await grants.rotate(a.ok ? a.token : "", input.clientId, issueAccess, grace);
      expect(await grants.rotate(elsewhere.refreshToken!, input.clientId, issueAccess, grace)).toMatchObject({ ok: false, reason: "reused" });

      clock += grace - 1;
      expect(await grants.rotate(second.ok ? second.token : "", input.clientId, issueAccess, grace)).toMatchObject({ ok: false, reason: "concurrent" });
      expect(await accessTokenDenied(open(), lastAccess.jti)).toBe(false);
      clock += 1;
      expect(await grants.rotate(second.ok ? second.token : "", input.clientId, issueAccess, grace)).toMatchObject({ ok: false, reason: "reused" });
      expect(await grants.rotate(third.ok ? third.token : "", input.clientId, issueAccess, grace)).toMatchObject({ ok: false, reason: "revoked" });
      expect(await accessTokenDenied(open(), lastAccess.jti)).toBe(true);
    });

    it("AS-4: of 20 concurrent uses of one refresh token exactly one succeeds; with a grace, without revoking", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const { refreshToken } = await grants.record(input, fromCode(), access(), 3600);
      const results = await Promise.all(Array.from({ length: 20 }, () => grants.rotate(refreshToken!, input.clientId, issueAccess, 5_000)));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.every((r) => r.ok || r.reason === "concurrent")).toBe(true);
      expect((await grants.rotate(winners[0]!.ok ? winners[0]!.token : "", input.clientId, issueAccess)).ok).toBe(true);

      // Without a grace the losers are reuses: still exactly one success, and the family is revoked.
      const strict = await grants.record(input, fromCode(), access(), 3600);
      const raced = await Promise.all(Array.from({ length: 20 }, () => grants.rotate(strict.refreshToken!, input.clientId, issueAccess)));
      const winner = raced.filter((r) => r.ok);
      expect(winner).toHaveLength(1);
      expect(raced.filter((r) => !r.ok).every((r) => !r.ok && (r.reason === "reused" || r.reason === "revoked"))).toBe(true);
      expect(await grants.rotate(winner[0]!.ok ? winner[0]!.token : "", input.clientId, issueAccess)).toMatchObject({ ok: false, reason: "revoked" });
    });

    it("AS-3: a replayed code revokes what it issued only when the same client proves the same verifier", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const hash = codeHash();
      const issued = access();
      const { refreshToken } = await grants.record(input, fromCode(hash), issued, 3600);
      expect(await grants.replayedCode(hash, "prj_aaaaaaaaaaaaaaaa.cccccccccccccccccccc", async () => true)).toBe("unproven");
      expect(await grants.replayedCode(hash, input.clientId, async () => false)).toBe("unproven");
      expect((await grants.rotate(refreshToken!, input.clientId, issueAccess)).ok).toBe(true);
      expect(await grants.replayedCode(hash, input.clientId, async (challenge) => challenge === "challenge")).toBe("revoked");
      expect(await grants.replayedCode(codeHash(), input.clientId, async () => true)).toBe("unknown");
    });

    it("records a grant without refresh tokens too, so its code's replay can still revoke the access token", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const hash = codeHash();
      const issued = access();
      const { refreshToken } = await grants.record({ ...input, refreshable: false }, fromCode(hash), issued, 3600);
      expect(refreshToken).toBeUndefined();
      expect(await grants.replayedCode(hash, input.clientId, async () => true)).toBe("revoked");
      expect(await accessTokenDenied(open(), issued.jti)).toBe(true);
      expect(await grantIdFor(fromCode(hash))).toMatch(/^[a-z2-7]{26}$/);
    });

    it("refuses forged, tampered, foreign-client and expired tokens", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const { refreshToken: token } = await grants.record(input, fromCode(), access(), 3600);
      const parts = token!.split(".");
      const bumped = [...parts.slice(0, 3), String(Number(parts[3]) + 1), parts[4]].join(".");
      expect(await grants.rotate(bumped, input.clientId, issueAccess)).toEqual({ ok: false, reason: "invalid" });
      expect(await grants.rotate([...parts.slice(0, 4), "A".repeat(43)].join("."), input.clientId, issueAccess)).toEqual({ ok: false, reason: "invalid" });
      expect(await grants.rotate("not-a-token", input.clientId, issueAccess)).toEqual({ ok: false, reason: "invalid" });
      expect(await grants.rotate(token!, "prj_aaaaaaaaaaaaaaaa.cccccccccccccccccccc", issueAccess)).toEqual({ ok: false, reason: "invalid" });
      const elsewhere = new Grants(open(), crypto.getRandomValues(new Uint8Array(32)));
      expect(await elsewhere.rotate(token!, input.clientId, issueAccess)).toEqual({ ok: false, reason: "invalid" });

      let clock = Date.now();
      const ageing = new Grants(open(), config.encryptionKey, () => clock);
      const short = await ageing.record(input, fromCode(), access(), 60);
      clock += 61_000;
      expect(await ageing.rotate(short.refreshToken!, input.clientId, issueAccess)).toMatchObject({ ok: false, reason: "expired" });
    });

    it("revokes a grant on request (RFC 7009), only for its own client", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const { refreshToken: token } = await grants.record(input, fromCode(), access(), 3600);
      expect(await grants.revokeToken(token!, "prj_aaaaaaaaaaaaaaaa.cccccccccccccccccccc")).toBe(false);
      expect(await grants.revokeToken(token!, input.clientId)).toBe(true);
      expect(await grants.rotate(token!, input.clientId, issueAccess)).toMatchObject({ ok: false, reason: "revoked" });
      expect(await grants.revokeToken("garbage", input.clientId)).toBe(false);
    });

    it("leaves the grant untouched when the issuer refuses (scope, disabled user)", async () => {
      const grants = new Grants(open(), config.encryptionKey);
      const { refreshToken: token } = await grants.record(input, fromCode(), access(), 3600);
      await expect(grants.rotate(token!, input.clientId, async () => { throw new Error("refused"); })).rejects.toThrow("refused");
      expect((await grants.rotate(token!, input.clientId, issueAccess)).ok).toBe(true);
    });
  });
}
