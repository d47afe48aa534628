/**
 * The console's signing-key pages over HTTP: the operator sees the key set (kid, algorithm, state,
 * dates) as the admin API describes it, and rotates through the API after a confirmation step (an
 * early rotation answered on the form with when it may run; forced at once; audited in the operator
 * project's log, the platform's); bad input is named on
 * the page; a project admin gets the 404 page; a forged post is refused.
 */
import { describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { csrfOf, page, PEOPLE, post } from "../helpers/console";
import { admin } from "../helpers/worker";
import { consoleFixture, html } from "./fixture";

type KeyView = { kid: string; alg: string; state: string };

const fx = consoleFixture();

const keys = async () => ((await (await admin("/admin/v1/signing-keys")).json()) as { keys: KeyView[] }).keys;
const rotateForm = async () => csrfOf(await (await page(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate")).text());

describe("console: signing keys", () => {
  it("shows the operator every key with its kid, algorithm and state, and no key material", async () => {
    const listed = await html(await page(fx.setup, fx.operatorCookie, "/console/signing-keys"));
    expect(listed.status).toBe(200);
    for (const key of await keys()) {
      expect(listed.text).toContain(`<code>${key.kid}</code>`);
    }
    expect(listed.text).toContain("Active: signs new tokens");
    expect(listed.text).toContain("Next: published");
    expect(listed.text).not.toMatch(/sealed|"d":/);
    expect(listed.text).toContain('href="/console/signing-keys/rotate"');
  });

  it("rotates only after confirmation, answers an early rotation on the form, and forces one", async () => {
    const before = await keys();
    const csrf = await rotateForm();
    const unconfirmed = await html(await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "", force: "" }));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toMatch(/href="#field-confirm">Confirm: tick the box/);
    const early = await html(await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "", force: "", confirm: "yes" }));
    expect(early.status).toBe(409);
    expect(early.text).toMatch(/href="#field-force">When: The next key may sign from \d{4}-/);
    expect(await keys()).toEqual(before);
    const forced = await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "ES256", force: "yes", confirm: "yes" });
    expect(forced.status).toBe(303);
    expect(forced.headers.get("Location")).toBe("/console/signing-keys?rotated=ES256");
    const after = await keys();
    const wasNext = before.find((k) => k.alg === "ES256" && k.state === "next")!;
    expect(after.find((k) => k.kid === wasNext.kid)?.state).toBe("active");
    const shown = await html(await page(fx.setup, fx.operatorCookie, "/console/signing-keys?rotated=ES256"));
    expect(shown.text).toContain("Rotated: ES256.");
    // Audited in the platform's log (the operator project's), as the person.
    const log = await api(fx.setup.project.token, "GET", `/projects/${fx.setup.project.id}/audit?action=signing-key.rotate`);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({
      actor: { kind: "user", userId: fx.setup.users.alice, email: PEOPLE.alice.email }, target: { type: "signing-key", id: "ES256" },
      after: { forced: true, promotedAlgs: ["ES256"] },
    });
    const platform = await html(await page(fx.setup, fx.operatorCookie, "/console/audit?action=signing-key"));
    expect(platform.text).toContain("<td><code>signing-key.rotate</code></td>");
  });

  it("names a bad algorithm or one without keys on the form", async () => {
    const csrf = await rotateForm();
    const bad = await html(await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "HS256", force: "yes", confirm: "yes" }));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/href="#field-alg">Algorithm: /);
    const held = new Set((await keys()).map((k) => k.alg));
    if (!held.has("RS256")) {
      const none = await html(await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "RS256", force: "yes", confirm: "yes" }));
      expect(none.status).toBe(409);
      expect(none.text).toMatch(/href="#field-alg">Algorithm: No client has needed RS256 keys/);
    }
    const badWhen = await html(await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf, alg: "", force: "later", confirm: "yes" }));
    expect(badWhen.status).toBe(400);
    expect(badWhen.text).toMatch(/href="#field-force">When: /);
  });

  it("refuses a project admin with the 404 page, and changes nothing", async () => {
    const before = await keys();
    for (const path of ["/console/signing-keys", "/console/signing-keys/rotate"]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain(before[0]!.kid);
    }
    const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, "/console/projects")).text());
    expect((await post(fx.setup, fx.adminCookie, "/console/signing-keys/rotate", { csrf, force: "yes", confirm: "yes" })).status).toBe(404);
    expect(await keys()).toEqual(before);
  });

  it("refuses a forged rotation from another site", async () => {
    const before = await keys();
    const refused = await post(fx.setup, fx.operatorCookie, "/console/signing-keys/rotate", { csrf: await rotateForm(), force: "yes", confirm: "yes" }, { "Sec-Fetch-Site": "cross-site" });
    expect(refused.status).toBe(403);
    expect(await keys()).toEqual(before);
  });
});
