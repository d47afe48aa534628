/**
 * Domain ownership by DNS TXT (issue 13): challenges, checks through the emulated DNS-over-HTTPS
 * resolver (idp-fixtures/src/dns.ts), the operator's override, and what a proof lets a project map.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, newProvider, operator } from "../helpers/admin";
import { dnsControl, publishTxt } from "../helpers/dns";

type Project = { id: string; token: string };
let a: Project;

beforeAll(async () => {
  a = await newProject("domain proofs A");
});

const unique = () => `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.example`;
const challengePath = (project: Project, domain: string) => `/projects/${project.id}/domain-challenges/${domain}`;
const issue = (project: Project, domain: string) => api(project.token, "POST", challengePath(project, domain));
const check = (project: Project, domain: string) => api(project.token, "POST", `${challengePath(project, domain)}/check`);
const ownership = async (project: Project, domain: string) => {
  const read = await api(project.token, "GET", challengePath(project, domain));
  return { verified: read.body.verified, verifiedBy: read.body.verifiedBy };
};
const latestEvent = async (project: Project, action: string) => {
  const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=50`);
  return log.body.items.find((event: { action: string }) => event.action === action);
};

describe("admin: domain ownership by DNS TXT", () => {
  it("issues a challenge naming the TXT record to publish; reissuing replaces its token", async () => {
    const domain = unique();
    const issued = await issue(a, domain.toUpperCase());
    expect(issued.status).toBe(201);
    expect(issued.headers.get("Location")).toBe(`/admin/v1${challengePath(a, domain)}`);
    expect(issued.headers.get("ETag")).toBeTruthy();
    expect(issued.body).toMatchObject({ domain, projectId: a.id, recordName: `_fedgate-challenge.${domain}`, recordType: "TXT", verified: false });
    expect(issued.body.recordValue).toMatch(/^fedgate-verification=[a-z2-7]{32}$/);
    expect(issued.body.verifiedBy).toBeUndefined();

    const read = await api(a.token, "GET", challengePath(a, domain));
    expect(read.body.recordValue).toBe(issued.body.recordValue);
    const reissued = await issue(a, domain);
    expect(reissued.body.recordValue).not.toBe(issued.body.recordValue);
    expect((await api(a.token, "GET", challengePath(a, domain))).body.recordValue).toBe(reissued.body.recordValue);
    expect(await latestEvent(a, "domain.challenge.issue")).toMatchObject({ target: { type: "domain", id: domain }, after: { recordValue: reissued.body.recordValue } });

    expect((await issue(a, "not a domain")).status).toBe(400);
    expect((await api(a.token, "GET", challengePath(a, unique()))).status).toBe(404);
    expect((await check(a, unique())).status).toBe(404);
  });

  it("verifies the claim by dns when the record is published, and audits domain.verify with the method", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    await publishTxt(recordName, ["v=spf1 -all", recordValue]);
    const checked = await check(a, domain);
    expect(checked.status).toBe(200);
    expect(checked.body).toEqual({ domain, projectId: a.id, recordName, verified: true, verifiedBy: "dns" });
    expect(await ownership(a, domain)).toEqual({ verified: true, verifiedBy: "dns" });
    const event = await latestEvent(a, "domain.verify");
    expect(event).toMatchObject({ target: { type: "domain", id: domain }, after: { verified: true, method: "dns" }, actor: { kind: "api-key" } });
  });

  it("answers 422 and changes nothing when no TXT record carries the challenge", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    const missing = await check(a, domain);
    expect(missing.status).toBe(422);
    expect(missing.headers.get("Content-Type")).toBe("application/problem+json");
    expect(missing.body).toMatchObject({ title: "DNS record not found", recordName, recordValue, nameExists: false, recordsFound: 0 });

    await publishTxt(recordName, ["fedgate-verification=someone-elses-token", `${recordValue}-and-more`]);
    const wrong = await check(a, domain);
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ nameExists: true, recordsFound: 2 });
    expect(await ownership(a, domain)).toEqual({ verified: false, verifiedBy: undefined });
    const log = await api(a.token, "GET", `/projects/${a.id}/audit?limit=50`);
    expect(log.body.items.filter((e: { action: string; target: { id: string } }) => e.action === "domain.verify" && e.target.id === domain)).toEqual([]);
  });

  it("joins a record split into several quoted chunks", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    const cut = 12;
    await publishTxt(recordName, [[recordValue.slice(0, cut), recordValue.slice(cut)]]);
    const checked = await check(a, domain);
    expect(checked.status, JSON.stringify(checked.body)).toBe(200);
    expect(checked.body.verifiedBy).toBe("dns");
  });

  it("RP-8: a failing resolver is a 502 problem, never a 500 or a verdict, and nothing changes", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    await publishTxt(recordName, [recordValue]);
    for (const fail of [{ status: 503 }, { status: 400 }, "servfail", "malformed"] as const) {
      await dnsControl({ name: recordName, fail });
      const failed = await check(a, domain);
      expect(failed.status, JSON.stringify(fail)).toBe(502);
      expect(failed.headers.get("Content-Type")).toBe("application/problem+json");
      expect(failed.body).toMatchObject({ title: "DNS resolver unavailable" });
      expect(failed.body.detail).not.toContain("127.0.0.1");
    }
    expect(await ownership(a, domain)).toEqual({ verified: false, verifiedBy: undefined });
    await dnsControl({ name: recordName, fail: null });
    expect((await check(a, domain)).status).toBe(200);
  });

  it("RP-8: a resolver that does not answer is cut off by the 5 s timeout (502)", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    await publishTxt(recordName, [recordValue]);
    await dnsControl({ name: recordName, fail: "hang" });
    const started = Date.now();
    const hung = await check(a, domain);
    expect(hung.status).toBe(502);
    expect(hung.body.detail).toMatch(/did not answer in time/);
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(await ownership(a, domain)).toEqual({ verified: false, verifiedBy: undefined });
    await dnsControl({ name: recordName, fail: null });
  }, 20_000);

  it("lets a project map a domain another project holds once it proves it by DNS", async () => {
    const holder = await newProject("domain holder");
    const b = await newProject("domain prover");
    const [providerHolder, providerB] = [(await newProvider(holder, "okta")).id, (await newProvider(b, "google")).id];
    const domain = unique();
    expect((await api(holder.token, "POST", `/projects/${holder.id}/domains`, { domain, providerId: providerHolder })).status).toBe(201);
    const refused = await api(b.token, "POST", `/projects/${b.id}/domains`, { domain, providerId: providerB });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("domain-challenges");

    const { recordName, recordValue } = (await issue(b, domain)).body;
    await publishTxt(recordName, [recordValue]);
    expect((await check(b, domain)).status).toBe(200);
    const mapped = await api(b.token, "POST", `/projects/${b.id}/domains`, { domain, providerId: providerB });
    expect(mapped.status).toBe(201);
    expect(mapped.body).toMatchObject({ verified: true, verifiedBy: "dns" });
    expect((await api(b.token, "GET", `/projects/${b.id}/domains/${domain}`)).body).toMatchObject({ verified: true, verifiedBy: "dns" });
    // The holder's own mapping stays, unverified.
    expect((await api(holder.token, "GET", `/projects/${holder.id}/domains/${domain}`)).body).toMatchObject({ verified: false });
  });

  it("keeps the operator's verification as an override: audited, not replaced by a DNS proof, withdrawn by the operator only", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    expect((await api(a.token, "PUT", `/projects/${a.id}/domain-verifications/${domain}`)).status).toBe(403);
    expect((await operator("PUT", `/projects/${a.id}/domain-verifications/${domain}`)).status).toBe(204);
    expect(await ownership(a, domain)).toEqual({ verified: true, verifiedBy: "operator" });
    expect(await latestEvent(a, "domain.verify")).toMatchObject({ target: { id: domain }, actor: { kind: "operator" }, after: { method: "operator" } });

    await publishTxt(recordName, [recordValue]);
    const checked = await check(a, domain);
    expect(checked.status).toBe(200);
    expect(checked.body.verifiedBy).toBe("operator");
    expect(await ownership(a, domain)).toEqual({ verified: true, verifiedBy: "operator" });

    expect((await operator("DELETE", `/projects/${a.id}/domain-verifications/${domain}`)).status).toBe(204);
    expect(await ownership(a, domain)).toEqual({ verified: false, verifiedBy: undefined });
    expect(await latestEvent(a, "domain.unverify")).toMatchObject({ target: { id: domain }, actor: { kind: "operator" }, after: { verified: false } });
    // Now the DNS proof counts.
    expect((await check(a, domain)).body.verifiedBy).toBe("dns");
  });

  it("removes a challenge without touching the verification it gave", async () => {
    const domain = unique();
    const { recordName, recordValue } = (await issue(a, domain)).body;
    await publishTxt(recordName, [recordValue]);
    await check(a, domain);
    expect((await api(a.token, "DELETE", challengePath(a, domain))).status).toBe(204);
    expect((await api(a.token, "DELETE", challengePath(a, domain))).status).toBe(404);
    expect((await api(a.token, "GET", challengePath(a, domain))).status).toBe(404);
    expect((await issue(a, domain)).body).toMatchObject({ verified: true, verifiedBy: "dns" });
  });
});
