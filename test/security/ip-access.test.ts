/** IP access rules (SECURITY.md AB-2) at the token endpoint: the project's and the client's. */
import { beforeAll, describe, expect, it } from "vitest";
import { api, operator } from "../helpers/admin";
import { mintCode, newClient, REDIRECT, tokenRequest, type ClientAuth } from "../helpers/oauth";

let fenced: { id: string; token: string };
let open: { id: string; token: string };
let inFenced: ClientAuth;
let denying: ClientAuth;
let fencedUser: string;
let openUser: string;

async function project(name: string, ipRules?: { allow: string[]; deny: string[] }) {
  const created = await operator("POST", "/projects", { name, ...(ipRules ? { ipRules } : {}) });
  return { id: created.body.project.id as string, token: created.body.apiKey.token as string };
}
const user = async (p: { id: string; token: string }) => (await api(p.token, "POST", `/projects/${p.id}/users`, { name: "Ip" })).body.id as string;

beforeAll(async () => {
  fenced = await project("fenced", { allow: ["203.0.113.0/24", "2001:db8::/32"], deny: [] });
  open = await project("open");
  inFenced = await newClient(fenced, { name: "web", kind: "confidential" });
  denying = await newClient(open, { name: "denying", kind: "confidential", ipRules: { allow: [], deny: ["192.0.2.0/24"] } });
  fencedUser = await user(fenced);
  openUser = await user(open);
});

const from = (ip: string | undefined): Record<string, string> => (ip ? { "CF-Connecting-IP": ip } : {});
async function exchange(client: ClientAuth, projectId: string, userId: string, ip: string | undefined, code?: { code: string; verifier: string }) {
  const c = code ?? (await mintCode({ projectId, clientId: client.id, userId, scope: ["openid"] }));
  return tokenRequest({ grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier }, client, from(ip));
}

describe("IP access rules at the token endpoint", () => {
  it("AB-2: refuses addresses outside the project's allow list with 403 access_denied, and audits it", async () => {
    expect((await exchange(inFenced, fenced.id, fencedUser, "203.0.113.9")).status).toBe(200);
    expect((await exchange(inFenced, fenced.id, fencedUser, "2001:db8::7")).status).toBe(200);
    for (const ip of ["198.51.100.1", "2001:db9::1", undefined]) {
      const refused = await exchange(inFenced, fenced.id, fencedUser, ip);
      expect(refused.status, String(ip)).toBe(403);
      expect(refused.body).toEqual({ error: "access_denied", error_description: "Requests from this network are not allowed for this client." });
      expect(refused.headers.get("Cache-Control")).toBe("no-store");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = await api(fenced.token, "GET", `/projects/${fenced.id}/audit?limit=20`);
    expect(log.body.items).toContainEqual(expect.objectContaining({ action: "token.refuse", outcome: "failure", ip: "198.51.100.1", reason: "IP address not allowed by the project's rules" }));
  });

  it("AB-2: refuses addresses on the client's deny list", async () => {
    expect((await exchange(denying, open.id, openUser, "192.0.2.44")).body.error).toBe("access_denied");
    expect((await exchange(denying, open.id, openUser, "10.1.2.3")).status).toBe(200);
  });

  it("AB-2: refuses before the grant runs (the code survives) and only after client authentication", async () => {
    const code = await mintCode({ projectId: fenced.id, clientId: inFenced.id, userId: fencedUser, scope: ["openid"] });
    expect((await exchange(inFenced, fenced.id, fencedUser, "198.51.100.2", code)).status).toBe(403);
    expect((await exchange(inFenced, fenced.id, fencedUser, "203.0.113.10", code)).status).toBe(200);
    // A wrong secret from a refused network learns nothing about the rules.
    expect((await exchange({ id: inFenced.id, secret: "wrong" }, fenced.id, fencedUser, "198.51.100.2")).body.error).toBe("invalid_client");
  });

  it("AB-2: applies a changed project rule at once in this isolate", async () => {
    const p = await project("changing");
    const client = await newClient(p, { name: "web", kind: "confidential" });
    const u = await user(p);
    expect((await exchange(client, p.id, u, "198.51.100.3")).status).toBe(200);
    const current = await api(p.token, "GET", `/projects/${p.id}`);
    const patched = await api(p.token, "PATCH", `/projects/${p.id}`, { ipRules: { allow: ["203.0.113.0/24"], deny: [] } }, { "If-Match": current.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect((await exchange(client, p.id, u, "198.51.100.3")).status).toBe(403);
  });
});
