/** The emulated DNS-over-HTTPS resolver (idp-fixtures/src/dns.ts): Cloudflare's JSON format, its control endpoint and switches. */
import { describe, expect, it } from "vitest";
import { useEmulators, type Emulators } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

const NAME = "_fedgate-challenge.partner.example";
const query = (name: string, init: { type?: string; accept?: string } = {}) =>
  fetch(`${emu.origin}/dns/dns-query?name=${encodeURIComponent(name)}&type=${init.type ?? "TXT"}`, { headers: { Accept: init.accept ?? "application/dns-json" } });
/** A resolver answer's JSON. */
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
/** POST /__control/dns with `body` as JSON (a string is sent as it is). */
const control = (body: unknown) =>
  fetch(`${emu.origin}/__control/dns`, { method: "POST", headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("emulated DNS over HTTPS", () => {
  it("answers NXDOMAIN for an unknown name, with the question and an SOA", async () => {
    const response = await query(NAME);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/dns-json");
    const body = await json(response);
    expect(body).toMatchObject({ Status: 3, Question: [{ name: `${NAME}.`, type: 16 }], Authority: [{ type: 6 }] });
    expect(body.Answer).toBeUndefined();
  });

  it("serves TXT records as Cloudflare does: quoted chunks, escapes, one Answer entry per record", async () => {
    const long = "x".repeat(300);
    expect((await control({ name: `${NAME.toUpperCase()}.`, txt: ["plain", ["two", "chunks"], long, 'q"b\\é'] })).status).toBe(200);
    const body = await json(query(NAME));
    expect(body.Status).toBe(0);
    expect(body.Answer.map((a: { data: string }) => a.data)).toEqual([
      '"plain"',
      '"two" "chunks"',
      `"${"x".repeat(255)}" "${"x".repeat(45)}"`,
      '"q\\"b\\\\\\195\\169"',
    ]);
    expect(body.Answer[0]).toMatchObject({ name: `${NAME}.`, type: 16, TTL: 300 });
    // The parent exists (an empty non-terminal): NOERROR without answers. So does a name set to [].
    expect(await json(query("partner.example"))).toMatchObject({ Status: 0 });
    await control({ name: NAME, txt: [] });
    const empty = await json(query(NAME));
    expect(empty.Status).toBe(0);
    expect(empty.Answer).toBeUndefined();
    await control({ name: NAME, txt: null });
    expect((await json(query(NAME))).Status).toBe(3);
  });

  it("fails as told, per name or for every name; a name's own switch wins", async () => {
    await control({ name: NAME, txt: ["v"] });
    await control({ name: NAME, fail: { status: 503 } });
    expect((await query(NAME)).status).toBe(503);
    await control({ name: NAME, fail: "servfail" });
    expect((await json(query(NAME))).Status).toBe(2);
    await control({ name: NAME, fail: "malformed" });
    const malformed = await query(NAME);
    expect(malformed.status).toBe(200);
    expect(await malformed.text()).toMatch(/^</);
    await control({ name: NAME, fail: null });
    await control({ fail: { status: 500 } });
    expect((await query("other.example")).status).toBe(500);
    expect((await query(NAME)).status).toBe(500);
    await control({ name: NAME, fail: "servfail" });
    expect((await json(query(NAME))).Status).toBe(2);
    await emu.reset();
    expect((await json(query(NAME))).Status).toBe(3);
  });

  it("refuses bad queries and bad control bodies with 400, changing nothing", async () => {
    expect((await query(NAME, { accept: "application/dns-message" })).status).toBe(400);
    expect((await query("bad name!")).status).toBe(400);
    expect((await query(NAME, { type: "NOPE" })).status).toBe(400);
    for (const body of [
      [], null, { txt: ["x"] }, { name: "bad name!", txt: [] }, { name: NAME, txt: "x" }, { name: NAME, txt: [["y".repeat(256)]] },
      { name: NAME, txt: [[]] }, { name: NAME, fail: "sometimes" }, { name: NAME, fail: { status: 200 } }, { name: NAME, other: 1 },
      { name: NAME, txt: ["kept?"], fail: "nope" }, `{"__proto__": 1, "name": "${NAME}"}`, "{not json",
    ]) {
      const response = await control(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await json(query(NAME))).Status).toBe(3);
  });
});
