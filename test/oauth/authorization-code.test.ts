/**
 * Sealed authorization codes (src/oauth/codes.ts) at the token endpoint: what a code Fedgate did not
 * seal, or sealed too long ago, gets; that the grant record's write is its single use; and its cost.
 * The AS-1/AS-3 basics (binding, single use, replays) are in token.test.ts.
 */
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { configOf } from "../../src/config";
import type { Bindings } from "../../src/env";
import { getUser } from "../../src/identity/users";
import { issueCode, openCode, type AuthorizationCode } from "../../src/oauth/codes";
import { Sealer } from "../../src/security/encryption";
import { api, newProject } from "../helpers/admin";
import * as oauth from "../helpers/oauth";
import { challengeOf, newVerifier, REDIRECT } from "../helpers/oauth";

const encryptionKey = configOf(env as unknown as Bindings).encryptionKey;
const invalid = { error: "invalid_grant", error_description: "The code is invalid or expired." };

let project: { id: string; token: string };
let web: { id: string; secret: string };
let userId: string;

beforeAll(async () => {
  project = await newProject("sealed codes");
  web = (await oauth.newClient(project, { name: "web", kind: "confidential" })) as typeof web;
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "grace@example.com", emailVerified: true, name: "Grace Hopper" })).body.id;
});

/** The grant the sign-in callback would seal for `web`, and its verifier. */
async function grantFor(): Promise<{ grant: AuthorizationCode; verifier: string }> {
  const verifier = newVerifier();
  const user = (await getUser(oauth.store, project.id, userId))!;
  return {
    verifier,
    grant: {
      projectId: project.id, clientId: web.id, redirectUri: REDIRECT, codeChallenge: await challengeOf(verifier), scope: oauth.ALL_SCOPES,
      nonce: "n-1", user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name }, authTime: 1_700_000_000, amr: ["pwd"], idp: "okta",
    },
  };
}

describe("sealed authorization codes", () => {
  it("opens to the grant it sealed, fits in a URL, and writes nothing when issued", async () => {
    const { grant } = await grantFor();
    const code = await issueCode(encryptionKey, grant);
    expect(code).toMatch(/^[\w-]+$/);
    // ~300 bytes of grant (the redirect URI and the user's email and name are what grow it).
    expect(code.length).toBeLessThan(600);
    const opened = await openCode(encryptionKey, code);
    expect(opened).toMatchObject({ grant, expired: false });
    expect((await openCode(encryptionKey, await issueCode(encryptionKey, grant)))!.codeHash).not.toBe(opened!.codeHash);
  });

  it("refuses a forged or tampered code as invalid, without revoking anything", async () => {
    const { grant, verifier } = await grantFor();
    const code = await issueCode(encryptionKey, grant);
    const bytes = base64url.decode(code);
    const flip = (at: number) => {
      const copy = bytes.slice();
      copy[at]! ^= 1;
      return base64url.encode(copy);
    };
    for (const forged of [flip(0), flip(40), flip(bytes.length - 1), code.slice(0, -4), base64url.encode(crypto.getRandomValues(new Uint8Array(bytes.length))), "x", `${code}.`]) {
      const response = await oauth.redeem({ code: forged, verifier }, web);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(invalid);
    }
    // The genuine code is untouched by all that.
    expect((await oauth.redeem({ code, verifier }, web)).status).toBe(200);
  });

  it("refuses a code sealed under another key, and anything sealed by Fedgate for another purpose", async () => {
    const { grant, verifier } = await grantFor();
    const otherKey = crypto.getRandomValues(new Uint8Array(32));
    expect((await oauth.redeem({ code: await issueCode(otherKey, grant), verifier }, web)).body).toEqual(invalid);
    // The same grant sealed for another context (the at-rest sealer, as a provider secret is).
    const atRest = await new Sealer(encryptionKey).seal(JSON.stringify(grant), "authorization-code");
    expect((await oauth.redeem({ code: atRest, verifier }, web)).body).toEqual(invalid);
    // A refresh token is no code either.
    const tokens = await oauth.redeem({ code: await issueCode(encryptionKey, grant), verifier }, web);
    expect((await oauth.redeem({ code: tokens.body.refresh_token, verifier }, web)).body).toEqual(invalid);
  });

  it("AS-3: an expired code is refused; once redeemed in time, its late replay still revokes what it issued", async () => {
    const { grant, verifier } = await grantFor();
    const stale = await issueCode(encryptionKey, grant, Date.now() - 61_000);
    expect((await openCode(encryptionKey, stale))!.expired).toBe(true);
    expect((await oauth.redeem({ code: stale, verifier }, web)).body).toEqual(invalid);

    // Sealed 59.5 s ago: redeemed with a moment to spare, then replayed after its minute.
    const late = await issueCode(encryptionKey, grant, Date.now() - 59_500);
    const first = await oauth.redeem({ code: late, verifier }, web);
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await oauth.redeem({ code: late, verifier: newVerifier() }, web)).body.error_description).toBe("The code was already used.");
    const rotated = await oauth.refresh(first.body.refresh_token, web);
    expect(rotated.status).toBe(200);
    expect((await oauth.redeem({ code: late, verifier }, web)).body.error_description).toBe("The code was already used.");
    expect((await oauth.refresh(rotated.body.refresh_token, web)).body).toMatchObject({ error: "invalid_grant" });
  });

  it("AS-3: another spelling of the same code is the same code (its nonce names it, not its text)", async () => {
    const { grant, verifier } = await grantFor();
    // A code whose last base64url character carries unused bits: set them, the bytes stay the same.
    let code = await issueCode(encryptionKey, grant);
    for (let pad = "x"; base64url.decode(code).length % 3 === 0; pad += "x") code = await issueCode(encryptionKey, { ...grant, nonce: pad });
    const last = code.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelled = code.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(respelled).not.toBe(code);
    expect(base64url.decode(respelled)).toEqual(base64url.decode(code));
    expect((await oauth.redeem({ code, verifier }, web)).status).toBe(200);
    expect((await oauth.redeem({ code: respelled, verifier }, web)).body.error_description).toBe("The code was already used.");
  });

  it("AS-3: of concurrent redemptions of one code exactly one gets tokens", async () => {
    const { grant, verifier } = await grantFor();
    const code = await issueCode(encryptionKey, grant);
    const results = await Promise.all(Array.from({ length: 5 }, () => oauth.redeem({ code, verifier }, web)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body.error_description === "The code was already used.")).toHaveLength(4);
  });

  it("a wrong client, redirect URI or verifier leaves the code redeemable by its own client", async () => {
    const { grant, verifier } = await grantFor();
    const code = await issueCode(encryptionKey, grant);
    const other = (await oauth.newClient(project, { name: "other", kind: "confidential" })) as typeof web;
    expect((await oauth.redeem({ code, verifier }, other)).body.error_description).toBe("The code was issued to another client.");
    expect((await oauth.redeem({ code, verifier }, web, { redirect_uri: `${REDIRECT}/` })).body.error).toBe("invalid_grant");
    expect((await oauth.redeem({ code, verifier: newVerifier() }, web)).body.error).toBe("invalid_grant");
    expect((await oauth.redeem({ code, verifier }, web)).status).toBe(200);
  });

  it("warm, redeeming a code costs one store round trip (the grant's write), refreshing two", async () => {
    const { grant, verifier } = await grantFor();
    await oauth.redeem({ code: await issueCode(encryptionKey, grant), verifier }, web);
    const warm = await oauth.redeem({ code: await issueCode(encryptionKey, grant), verifier }, web);
    expect(warm.status).toBe(200);
    expect(warm.headers.get("Server-Timing")).toContain('desc="1 round trips"');
    // And a refresh of what it issued two: grant and user read together, the rotation's compare-and-set.
    const refreshed = await oauth.refresh(warm.body.refresh_token, web);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get("Server-Timing")).toContain('desc="2 round trips"');
  });
});
