/** The test relying parties' back-channel logout endpoints and their control calls. */
import { describe, expect, it } from "vitest";
import { useEmulators, type Emulators } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln";

function deliver(uri: string, body: string, contentType = "application/x-www-form-urlencoded") {
  return fetch(uri, { method: "POST", headers: { "content-type": contentType }, body });
}

describe("POST /rp/<name>/backchannel-logout", () => {
  it("records the form's logout_token, content type and raw body, and answers 200 no-store", async () => {
    const rp = emu.rp("app-one");
    expect(rp.backchannelLogoutUri).toBe(`${emu.origin}/rp/app-one/backchannel-logout`);
    const res = await deliver(rp.backchannelLogoutUri, `logout_token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const state = await rp.state();
    expect(state.failedAttempts).toBe(0);
    expect(state.received).toHaveLength(1);
    expect(state.received[0]).toMatchObject({ contentType: "application/x-www-form-urlencoded", logoutToken: TOKEN, body: `logout_token=${TOKEN}` });
    expect(Number.isNaN(Date.parse(state.received[0]?.at ?? ""))).toBe(false);
  });

  it("records a body that is not a form with a null logout_token (the test judges it)", async () => {
    const rp = emu.rp("json-sender");
    await deliver(rp.backchannelLogoutUri, JSON.stringify({ logout_token: TOKEN }), "application/json");
    expect((await rp.state()).received[0]).toMatchObject({ contentType: "application/json", logoutToken: null });
  });

  it("each RP keeps its own deliveries", async () => {
    await deliver(emu.rp("a").backchannelLogoutUri, "logout_token=one");
    await deliver(emu.rp("b").backchannelLogoutUri, "logout_token=two");
    expect((await emu.rp("a").state()).received.map((d) => d.logoutToken)).toEqual(["one"]);
    expect((await emu.rp("b").state()).received.map((d) => d.logoutToken)).toEqual(["two"]);
  });

  it("an invalid name is 404; other methods are not the endpoint", async () => {
    expect((await deliver(`${emu.origin}/rp/Bad_Name/backchannel-logout`, "logout_token=x")).status).toBe(404);
    expect((await deliver(`${emu.origin}/rp/${"a".repeat(65)}/backchannel-logout`, "logout_token=x")).status).toBe(404);
    expect((await fetch(`${emu.origin}/rp/ok/backchannel-logout`)).status).toBe(404);
  });
});

describe("armed failures and delays", () => {
  it("failTimes answers the armed status that many times, counted as failed attempts, then 200 again", async () => {
    const rp = emu.rp("flaky");
    await rp.arm({ failTimes: 2, status: 503 });
    const first = await deliver(rp.backchannelLogoutUri, "logout_token=t1");
    expect(first.status).toBe(503);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect((await deliver(rp.backchannelLogoutUri, "logout_token=t2")).status).toBe(503);
    expect((await deliver(rp.backchannelLogoutUri, "logout_token=t3")).status).toBe(200);
    const state = await rp.state();
    expect(state.failedAttempts).toBe(2);
    expect(state.failures.map((f) => [f.logoutToken, f.status])).toEqual([["t1", 503], ["t2", 503]]);
    expect(state.received.map((d) => d.logoutToken)).toEqual(["t3"]);
  });

  it("status defaults to 503; a 4xx can be armed too", async () => {
    const rp = emu.rp("rejecting");
    await rp.arm({ failTimes: 1 });
    expect((await deliver(rp.backchannelLogoutUri, "logout_token=x")).status).toBe(503);
    await rp.arm({ failTimes: 1, status: 400 });
    const res = await deliver(rp.backchannelLogoutUri, "logout_token=x");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  it("delayMs answers late", async () => {
    const rp = emu.rp("slow");
    await rp.arm({ delayMs: 300 });
    const started = Date.now();
    expect((await deliver(rp.backchannelLogoutUri, "logout_token=x")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("DELETE forgets the RP; a full reset forgets every RP", async () => {
    const rp = emu.rp("forgettable");
    await deliver(rp.backchannelLogoutUri, "logout_token=x");
    await rp.arm({ failTimes: 5 });
    await rp.forget();
    expect(await rp.state()).toMatchObject({ received: [], failedAttempts: 0, armed: { failTimes: 0 } });
    await deliver(rp.backchannelLogoutUri, "logout_token=y");
    await emu.reset();
    expect((await rp.state()).received).toEqual([]);
  });
});

describe("the control endpoint refuses bad input with a 400", () => {
  const post = (name: string, body: string) =>
    fetch(`${emu.origin}/__control/rp/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body });

  it.each([
    ["not JSON", "{", /JSON/],
    ["an array", "[]", /object/],
    ["an unknown field", '{"fail":1}', /unknown field "fail"/],
    ["a negative failTimes", '{"failTimes":-1}', /failTimes/],
    ["a fractional failTimes", '{"failTimes":1.5}', /failTimes/],
    ["a 2xx status", '{"failTimes":1,"status":204}', /status/],
    ["a status without failTimes", '{"status":500}', /status/],
    ["a delay over 30 s", '{"delayMs":30001}', /delayMs/],
    ["a string delay", '{"delayMs":"10"}', /delayMs/],
  ])("%s", async (_, body, message) => {
    const res = await post("ok-name", body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it("a bad name on every method", async () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await fetch(`${emu.origin}/__control/rp/UPPER`, { method, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(res.status, method).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/\[a-z0-9-\]/);
    }
    expect(() => emu.rp("bad name")).toThrow(/a-z0-9/);
  });
});
