import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { api, newProject } from "../helpers/admin";
import { admin, call } from "../helpers/worker";

type KeyView = { kid: string; alg: string; state: string };

const listKeys = async () => ((await (await admin("/admin/v1/signing-keys")).json()) as { keys: KeyView[] }).keys;
const rotate = (body: unknown) =>
  admin("/admin/v1/signing-keys/rotate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const publishedKids = async () => ((await (await call("/.well-known/jwks.json")).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe("admin: signing keys", () => {
  it("refuses requests without the bootstrap token, or with a wrong one, as problem+json 401", async () => {
    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer wrong-token-wrong-token-wrong-token" }, { Authorization: "Basic dXNlcjpwYXNz" }];
    for (const headers of attempts) {
      const response = await call("/admin/v1/signing-keys", { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer /);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
    }
    const rotate = await call("/admin/v1/signing-keys/rotate", { method: "POST" });
    expect(rotate.status).toBe(401);
  });

  it("lists the keys without key material", async () => {
    const response = await admin("/admin/v1/signing-keys");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.text();
    const { keys } = JSON.parse(body) as { keys: KeyView[] };
    expect(keys.map((k) => k.state).sort()).toEqual(expect.arrayContaining(["active", "next"]));
    expect(body).not.toMatch(/sealed|"d"|"x"/);
  });

  it("refuses an early rotation with 409 and when it may run, then rotates when forced", async () => {
    const before = ((await (await admin("/admin/v1/signing-keys")).json()) as { keys: KeyView[] }).keys;
    const early = await admin("/admin/v1/signing-keys/rotate", { method: "POST" });
    expect(early.status).toBe(409);
    const problem = (await early.json()) as { title: string; notBefore: string };
    expect(problem.title).toBe("Next key not yet published long enough");
    expect(Date.parse(problem.notBefore)).toBeGreaterThan(Date.now());

    const forced = await admin("/admin/v1/signing-keys/rotate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ force: true }),
    });
    expect(forced.status).toBe(200);
    const report = (await forced.json()) as { promoted: boolean; keys: KeyView[] };
    expect(report.promoted).toBe(true);
    const wasActive = before.find((k) => k.state === "active")!;
    const wasNext = before.find((k) => k.state === "next")!;
    expect(report.keys.find((k) => k.kid === wasNext.kid)?.state).toBe("active");
    expect(report.keys.find((k) => k.kid === wasActive.kid)?.state).toBe("retired");

    // The retired key is still published: tokens it signed keep verifying.
    const jwks = (await (await call("/.well-known/jwks.json")).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([wasActive.kid, wasNext.kid]));
  });

  it("AD-3: answers malformed bodies with problem+json 4xx", async () => {
    const cases: [RequestInit, number][] = [
      [{ body: "{not json", headers: { "Content-Type": "application/json" } }, 400],
      [{ body: JSON.stringify({ force: "yes" }), headers: { "Content-Type": "application/json" } }, 400],
      [{ body: JSON.stringify({ force: true, extra: 1 }), headers: { "Content-Type": "application/json" } }, 400],
      [{ body: JSON.stringify([1, 2]), headers: { "Content-Type": "application/json" } }, 400],
      [{ body: "force=true", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, 415],
      [{ body: "x".repeat(70_000), headers: { "Content-Type": "application/json" } }, 413],
    ];
    for (const [init, status] of cases) {
      const response = await admin("/admin/v1/signing-keys/rotate", { method: "POST", ...init });
      expect(response.status, String(init.body).slice(0, 40)).toBe(status);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({ status });
    }
    const detail = (await (
      await admin("/admin/v1/signing-keys/rotate", { method: "POST", body: '{"force":"yes"}', headers: { "Content-Type": "application/json" } })
    ).json()) as { detail: string };
    expect(detail.detail).toContain('"force"');
  });
});

describe("admin: signing keys per algorithm", () => {
  it("refuses to rotate RS256 keys before any client needed them, and creates none", async () => {
    const response = await rotate({ alg: "RS256", force: true });
    expect(response.status).toBe(409);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect((await listKeys()).some((k) => k.alg === "RS256")).toBe(false);
  });

  it("AS-8: a client choosing RS256 ID tokens gets the RS256 keys made and published before its first sign-in", async () => {
    const project = await newProject("RS256 keys");
    const created = await api(project.token, "POST", `/projects/${project.id}/clients`, {
      name: "RS256 app", kind: "confidential", redirectUris: ["https://app.example/cb"], idTokenSignedResponseAlg: "RS256",
    });
    expect(created.status).toBe(201);
    const keys = await listKeys();
    expect(keys.filter((k) => k.alg === "RS256").map((k) => k.state).sort()).toEqual(["active", "next"]);
    expect(await publishedKids()).toEqual(expect.arrayContaining(keys.map((k) => k.kid)));
  });

  it("AS-8: rotates one algorithm with {alg}, its retired key still published, the other algorithm's keys untouched", async () => {
    const before = await listKeys();
    const response = await rotate({ alg: "RS256", force: true });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { promoted: boolean; promotedAlgs: string[]; keys: KeyView[] };
    expect(report).toMatchObject({ promoted: true, promotedAlgs: ["RS256"] });
    const es256 = (keys: KeyView[]) => keys.filter((k) => k.alg === "ES256").map(({ kid, state }) => ({ kid, state }));
    expect(es256(report.keys)).toEqual(es256(before));
    const wasActive = before.find((k) => k.alg === "RS256" && k.state === "active")!;
    const wasNext = before.find((k) => k.alg === "RS256" && k.state === "next")!;
    expect(report.keys.find((k) => k.kid === wasActive.kid)?.state).toBe("retired");
    expect(report.keys.find((k) => k.kid === wasNext.kid)?.state).toBe("active");
    expect(await publishedKids()).toEqual(expect.arrayContaining([wasActive.kid, wasNext.kid]));
  });

  it("AS-8: rotates every algorithm at once without {alg}, all or none", async () => {
    expect((await rotate({})).status).toBe(409); // the next keys were just made
    const forced = (await (await rotate({ force: true })).json()) as { promotedAlgs: string[]; keys: KeyView[] };
    expect(forced.promotedAlgs).toEqual(["ES256", "RS256"]);
    for (const alg of ["ES256", "RS256"]) {
      expect(forced.keys.filter((k) => k.alg === alg && k.state === "active")).toHaveLength(1);
      expect(forced.keys.filter((k) => k.alg === alg && k.state === "retired").length).toBeGreaterThanOrEqual(1);
    }
  });

  it("AD-3: refuses an unknown algorithm with problem+json naming the field", async () => {
    for (const alg of ["HS256", "none", "es256"]) {
      const response = await rotate({ alg, force: true });
      expect(response.status).toBe(400);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toContain('"alg"');
    }
  });
});

describe("cron trigger", () => {
  it("runs the rotation check and leaves a published active and next key of each algorithm", async () => {
    await worker.scheduled(createScheduledController({ cron: "17 * * * *" }), env as never);
    const keys = await listKeys();
    for (const alg of new Set(keys.map((k) => k.alg))) {
      expect(keys.filter((k) => k.alg === alg && k.state === "active")).toHaveLength(1);
      expect(keys.filter((k) => k.alg === alg && k.state === "next")).toHaveLength(1);
    }
    expect(new Set(keys.map((k) => k.alg))).toContain("ES256");
  });
});
