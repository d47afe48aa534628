import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { DurableObjectStore } from "../../src/store/durable-object";
import { UpstashStore } from "../../src/store/upstash";
import type { Store } from "../../src/store/store";
import { RefreshTokens } from "../../src/tokens/refresh";

const config = parseConfig(env as unknown as Record<string, unknown>);
const grant = { projectId: "prj_aaaaaaaaaaaaaaaa", clientId: "prj_aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb", userId: "usr_1", scope: ["openid", "offline_access"], authTime: 1, amr: ["pwd"], idp: "okta" };

for (const [name, open] of [
  ["Durable Object", () => new DurableObjectStore(env.STORE)],
  ["Upstash", () => new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN })],
] as [string, () => Store][]) {
  describe(`refresh tokens over the ${name} store`, () => {
    const tokens = new RefreshTokens(open(), config.encryptionKey);

    it("AS-4: rotates on every use; the new token works, the old one is a replay that revokes the family", async () => {
      let clock = Date.now();
      const tokens = new RefreshTokens(open(), config.encryptionKey, () => clock);
      const { token: first } = await tokens.issue(grant, 3600);
      const second = await tokens.rotate(first, grant.clientId);
      expect(second.ok).toBe(true);
      const secondToken = second.ok ? second.token : "";
      expect(secondToken).not.toBe(first);
      const third = await tokens.rotate(secondToken, grant.clientId);
      expect(third.ok).toBe(true);
      // Right after a rotation, the previous token is the client racing itself: refused, family kept.
      expect(await tokens.rotate(secondToken, grant.clientId)).toMatchObject({ ok: false, reason: "concurrent" });
      clock += 6_000;

      const replay = await tokens.rotate(first, grant.clientId);
      expect(replay).toMatchObject({ ok: false, reason: "reused" });
      // The whole family is gone, including the newest token.
      const newest = third.ok ? third.token : "";
      expect(await tokens.rotate(newest, grant.clientId)).toMatchObject({ ok: false, reason: "revoked" });
    });

    it("AS-4: of 20 concurrent uses of one refresh token exactly one succeeds, without revoking", async () => {
      const { token } = await tokens.issue(grant, 3600);
      const results = await Promise.all(Array.from({ length: 20 }, () => tokens.rotate(token, grant.clientId)));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "concurrent")).toBe(true);
      expect((await tokens.rotate(winners[0]!.ok ? winners[0]!.token : "", grant.clientId)).ok).toBe(true);
    });

    it("refuses forged, tampered, foreign-client and expired tokens", async () => {
      const { token } = await tokens.issue(grant, 3600);
      const [familyId, generation, mac] = token.split(".");
      expect(await tokens.rotate(`${familyId}.${Number(generation) + 1}.${mac}`, grant.clientId)).toEqual({ ok: false, reason: "invalid" });
      expect(await tokens.rotate(`${familyId}.${generation}.${"A".repeat(43)}`, grant.clientId)).toEqual({ ok: false, reason: "invalid" });
      expect(await tokens.rotate("not-a-token", grant.clientId)).toEqual({ ok: false, reason: "invalid" });
      expect(await tokens.rotate(token, "prj_aaaaaaaaaaaaaaaa.cccccccccccccccccccc")).toEqual({ ok: false, reason: "invalid" });
      // A token minted under another deployment's key is not ours.
      const elsewhere = new RefreshTokens(open(), crypto.getRandomValues(new Uint8Array(32)));
      expect(await elsewhere.rotate(token, grant.clientId)).toEqual({ ok: false, reason: "invalid" });

      let clock = Date.now();
      const ageing = new RefreshTokens(open(), config.encryptionKey, () => clock);
      const short = await ageing.issue(grant, 60);
      clock += 61_000;
      expect(await ageing.rotate(short.token, grant.clientId)).toMatchObject({ ok: false, reason: "expired" });
    });

    it("revokes a family on request (RFC 7009), only for its own client", async () => {
      const { token } = await tokens.issue(grant, 3600);
      expect(await tokens.revoke(token, "prj_aaaaaaaaaaaaaaaa.cccccccccccccccccccc")).toBe(false);
      expect(await tokens.revoke(token, grant.clientId)).toBe(true);
      expect(await tokens.rotate(token, grant.clientId)).toMatchObject({ ok: false, reason: "revoked" });
      expect(await tokens.revoke("garbage", grant.clientId)).toBe(false);
    });
  });
}
