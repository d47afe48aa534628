/**
 * The cron trigger's re-check of DNS-verified domain claims (federation/domain-recheck.ts), run
 * through the Worker's `scheduled` entry against the emulated DNS-over-HTTPS resolver.
 */
import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { DurableObjectStore } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import { api, newProject, newProvider, operator } from "../helpers/admin";
import { dnsControl, publishTxt } from "../helpers/dns";

type Project = { id: string; token: string };
let a: Project;
let providerA: string;

beforeAll(async () => {
  a = await newProject("domain re-check");
  providerA = (await newProvider(a, "okta")).id;
});

let made = 0;
/** A fresh domain; later ones sort after earlier ones (the re-check visits claims in key order). */
const unique = () => `r${Date.now().toString(36)}${String(made++).padStart(4, "0")}${Math.random().toString(36).slice(2, 7)}.example`;
const challengePath = (domain: string) => `/projects/${a.id}/domain-challenges/${domain}`;
const ownership = async (domain: string) => {
  const read = await api(a.token, "GET", challengePath(domain));
  return { verified: read.body.verified, verifiedBy: read.body.verifiedBy };
};

/** Proves `domain` for project A by DNS; answers the record's name and value. */
async function prove(domain: string): Promise<{ recordName: string; recordValue: string }> {
  const { recordName, recordValue } = (await api(a.token, "POST", challengePath(domain))).body;
  await publishTxt(recordName, [recordValue]);
  const checked = await api(a.token, "POST", `${challengePath(domain)}/check`);
  if (checked.status !== 200) throw new Error(`proof of ${domain} failed: ${checked.status} ${JSON.stringify(checked.body)}`);
  return { recordName, recordValue };
}

const cron = () => worker.scheduled(createScheduledController({ cron: "17 * * * *" }), env as never);

/**
 * Runs the cron trigger from the first DNS-verified claim (in key order: `{fedgate}domain-dns:<domain>:…`)
 * until `done` holds. Each run re-checks the next batch (other test files add claims of their own), so
 * once a claim is re-checked, every claim listed before it has been too.
 */
async function cronUntil(done: () => Promise<boolean>, runs = 20): Promise<void> {
  await new DurableObjectStore(env.STORE).delete(keys.dnsRecheckCursor());
  for (let run = 0; run < runs; run++) {
    await cron();
    if (await done()) return;
  }
  throw new Error(`still not done after ${runs} cron runs`);
}

describe("cron trigger: DNS re-check of verified domains", () => {
  it("withdraws a verification whose record vanished, audited with the reason; keeps one whose record is there", async () => {
    const [kept, gone, changed] = [unique(), unique(), unique()];
    expect([kept, gone, changed].toSorted()).toEqual([kept, gone, changed]);
    await prove(kept);
    const goneRecord = await prove(gone);
    const changedRecord = await prove(changed);
    expect((await api(a.token, "POST", `/projects/${a.id}/domains`, { domain: gone, providerId: providerA })).status).toBe(201);
    await publishTxt(goneRecord.recordName, null);
    await publishTxt(changedRecord.recordName, ["fedgate-verification=not-the-token"]);

    await cronUntil(async () => !(await ownership(gone)).verified && !(await ownership(changed)).verified);
    expect(await ownership(kept)).toEqual({ verified: true, verifiedBy: "dns" });
    // The mapping stays: only the ownership is no longer verified.
    expect((await api(a.token, "GET", `/projects/${a.id}/domains/${gone}`)).body).toMatchObject({ providerId: providerA, verified: false });

    const log = await api(a.token, "GET", `/projects/${a.id}/audit?limit=100`);
    const unverified = (domain: string) => log.body.items.find((e: { action: string; target: { id: string } }) => e.action === "domain.unverify" && e.target.id === domain);
    expect(unverified(gone)).toMatchObject({
      actor: { kind: "system", job: "domain-recheck" }, outcome: "success", before: { verified: true, method: "dns" }, after: { verified: false },
      reason: expect.stringMatching(/NXDOMAIN/),
    });
    expect(unverified(changed).reason).toMatch(/no TXT record .* carries the challenge \(1 TXT record/);
    expect(unverified(kept)).toBeUndefined();
  }, 60_000);

  it("changes nothing while the resolver fails for a name", async () => {
    const domain = unique();
    const { recordName } = await prove(domain);
    await publishTxt(recordName, null);
    await dnsControl({ name: recordName, fail: { status: 503 } });
    // A vanished record listed after the failing one: once it is withdrawn, the failing one was re-checked too.
    const marker = unique();
    expect(marker > domain).toBe(true);
    const markerRecord = await prove(marker);
    await publishTxt(markerRecord.recordName, null);
    await cronUntil(async () => !(await ownership(marker)).verified);
    expect(await ownership(domain)).toEqual({ verified: true, verifiedBy: "dns" });
    await dnsControl({ name: recordName, fail: null });
    await cronUntil(async () => !(await ownership(domain)).verified);
  }, 60_000);

  it("never re-checks the operator's verification (the override)", async () => {
    const domain = unique();
    await api(a.token, "POST", challengePath(domain));
    expect((await operator("PUT", `/projects/${a.id}/domain-verifications/${domain}`)).status).toBe(204);
    const marker = unique();
    const markerRecord = await prove(marker);
    await publishTxt(markerRecord.recordName, null);
    await cronUntil(async () => !(await ownership(marker)).verified);
    // No record was ever published for `domain`, and it is still verified.
    expect(await ownership(domain)).toEqual({ verified: true, verifiedBy: "operator" });
  }, 60_000);
});
