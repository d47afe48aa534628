/**
 * The console's setup links section: a project admin creates a link (shown once on the answer, never
 * in the list), sees it listed with its state, revokes it after a confirmation (the link then stops
 * working); bad input answered on the form; another project's admin gets 404.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { csrfOf, page, PEOPLE, post, setUpConsole, signInToConsole, type ConsoleSetup } from "../helpers/console";
import { ISSUER } from "../helpers/worker";

let setup: ConsoleSetup;
let mine: { id: string; token: string };
let theirs: { id: string; token: string };
let adminCookie: string;

beforeAll(async () => {
  [mine, theirs] = await Promise.all([newProject("Mine"), newProject("Theirs")]);
  setup = await setUpConsole({ ulrich: [`admin:${mine.id}`] });
  adminCookie = (await signInToConsole(setup, PEOPLE.ulrich)).cookie;
});

const html = async (response: Response) => ({ status: response.status, text: await response.text() });
const base = () => `/console/projects/${mine.id}/setup-links`;

describe("console: setup links", () => {
  it("creates a link shown once, lists it, and revokes it after a confirmation", async () => {
    const list = await html(await page(setup, adminCookie, base()));
    expect(list.status).toBe(200);
    expect(list.text).toContain('aria-current="page">Setup links');
    const csrf = csrfOf(list.text);
    const created = await html(await post(setup, adminCookie, `${base()}/new`, { csrf, organization: "Initech", expiresInHours: "24" }));
    expect(created.status).toBe(201);
    const url = /id="setup-link-url" readonly="" value="([^"]+)"|id="setup-link-url" readonly value="([^"]+)"/.exec(created.text);
    const link = (url?.[1] ?? url?.[2])!;
    expect(link).toMatch(new RegExp(`^${ISSUER}/setup/[A-Za-z0-9_-]{43}$`));
    const listed = await html(await page(setup, adminCookie, base()));
    expect(listed.text).toContain("Initech");
    expect(listed.text).not.toContain(link.split("/").pop());
    const id = (await api(mine.token, "GET", `/projects/${mine.id}/setup-links`)).body.items.find((item: { organization: string }) => item.organization === "Initech").id;
    expect(listed.text).toContain(`<td id="state-${id}">Not started</td>`);

    const confirm = await html(await page(setup, adminCookie, `${base()}/${id}/revoke`));
    expect(confirm.status).toBe(200);
    const unconfirmed = await html(await post(setup, adminCookie, `${base()}/${id}/revoke`, { csrf }));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('aria-invalid="true"');
    const revoked = await post(setup, adminCookie, `${base()}/${id}/revoke`, { csrf, confirm: "yes" });
    expect(revoked.status).toBe(303);
    expect(await html(await page(setup, adminCookie, base()))).toMatchObject({ text: expect.stringContaining(`<td id="state-${id}">Revoked</td>`) });
    expect((await api(`fgs.${link.split("/").pop()}`, "GET", "/setup-link")).status).toBe(401);
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?action=setup-link.revoke&limit=50`);
    expect(log.body.items.find((event: { target: { id: string } }) => event.target.id === id).actor).toMatchObject({ kind: "user", userId: setup.users.ulrich });
  });

  it("answers bad input on the form, naming the field", async () => {
    const csrf = csrfOf((await html(await page(setup, adminCookie, base()))).text);
    const refused = await html(await post(setup, adminCookie, `${base()}/new`, { csrf, organization: "Initech", expiresInHours: "500" }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('href="#field-expiresInHours"');
    expect(refused.text).toMatch(/<input[^>]*id="field-expiresInHours"[^>]*aria-invalid="true"/);
    const empty = await html(await post(setup, adminCookie, `${base()}/new`, { csrf, organization: "  " }));
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('href="#field-organization"');
  });

  it("answers another project's setup links with 404", async () => {
    expect((await page(setup, adminCookie, `/console/projects/${theirs.id}/setup-links`)).status).toBe(404);
  });
});
