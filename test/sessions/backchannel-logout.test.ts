/**
 * OpenID Connect Back-Channel Logout 1.0 over HTTP: a browser signs in to several apps of a project
 * (one broker session), the session ends (RP-initiated logout, an admin), and the apps that
 * registered a back-channel logout URI (the emulators' test RPs, idp-fixtures/src/rp.ts) receive a
 * logout token through the real logout queue, verified here against Fedgate's JWKS.
 */
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { LOGOUT_QUEUE_NAME, MAX_ATTEMPTS, retryDelaySeconds } from "../../src/sessions/backchannel-logout";
import wranglerToml from "../../wrangler.toml?raw";
import vitestConfig from "../../vitest.config.ts?raw";
import { api } from "../helpers/admin";
import { CLIENT_REDIRECT, CookieJar, redeemFlow, setupFederation, signInFlow, type Federation } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

const olivia = { email: "olivia@okta.example", password: "olivia-password" };
const EVENT = "http://schemas.openid.net/event/backchannel-logout";

interface Delivery {
  logoutToken: string | null;
  contentType: string | null;
}
interface RpState {
  received: Delivery[];
  failedAttempts: number;
}

let rpCounter = 0;

/** A test RP at the emulators, fresh for each app (its name is unique per run). */
function testRp() {
  const name = `fedgate-bcl-${Date.now().toString(36)}-${rpCounter++}`;
  const control = `${env.TEST_EMULATOR_ORIGIN}/__control/rp/${name}`;
  return {
    uri: `${env.TEST_EMULATOR_ORIGIN}/rp/${name}/backchannel-logout`,
    state: async (): Promise<RpState> => (await fetch(control)).json(),
    arm: async (settings: { failTimes?: number; status?: number; delayMs?: number }) => {
      const response = await fetch(control, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(settings) });
      if (!response.ok) throw new Error(`arming ${name}: ${response.status} ${await response.text()}`);
    },
  };
}
type TestRp = ReturnType<typeof testRp>;

/** An app of the project, with the test redirect URI and whatever else is given. */
async function newApp(f: Federation, fields: Record<string, unknown> = {}): Promise<{ clientId: string }> {
  const made = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "app", kind: "public", redirectUris: [CLIENT_REDIRECT], ...fields });
  if (made.status !== 201) throw new Error(`client: ${made.status} ${JSON.stringify(made.body)}`);
  return { clientId: made.body.client.id };
}

/** Signs one browser in to each app in turn (the first at the provider, the others from the session) and redeems each code. */
async function signInToAll(apps: { clientId: string }[]) {
  const jar = new CookieJar();
  const tokens: Record<string, any>[] = [];
  for (const app of apps) {
    const flow = await signInFlow(app, olivia, { jar });
    if (!flow.redirect) throw new Error(`sign-in stopped at ${flow.page?.status}: ${flow.page?.text.slice(0, 200)}`);
    const redeemed = await redeemFlow(app, flow);
    if (redeemed.status !== 200) throw new Error(`redeem: ${JSON.stringify(redeemed.body)}`);
    tokens.push(redeemed.body);
  }
  return { jar, tokens };
}

const logoutWith = (idToken: string) => call(`/oauth2/logout?${new URLSearchParams({ id_token_hint: idToken })}`, { redirect: "manual" });

/** Waits until `check` holds (at most 5 s), then answers the last state. */
async function stateWhen(rp: TestRp, check: (state: RpState) => boolean): Promise<RpState> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const state = await rp.state();
    if (check(state) || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function verifyLogoutToken(token: string, audience: string): Promise<{ payload: JWTPayload; alg: string }> {
  const keys = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer: ISSUER, audience, typ: "logout+jwt" });
  return { payload, alg: protectedHeader.alg };
}

/** The project's back-channel logout audit events, once `count` are there (at most `waitMs`). */
async function deliveryEvents(f: Federation, count: number, waitMs = 5_000): Promise<Record<string, any>[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=session.backchannel-logout&limit=50`);
    if (log.body.items.length >= count || Date.now() > deadline) return log.body.items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const refresh = (clientId: string, refreshToken: string) =>
  call("/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId }).toString(),
  });

const setup = () => setupFederation("okta", { domains: ["okta.example"] });

describe("back-channel logout", () => {
  it("tells each app signed in with the session, once, with a logout token it can verify; not an app without a URI", async () => {
    const f = await setup();
    const [rpA, rpB] = [testRp(), testRp()];
    const a = await newApp(f, { backchannelLogoutUri: rpA.uri });
    // Signed like this client's ID tokens.
    const b = await newApp(f, { backchannelLogoutUri: rpB.uri, idTokenSignedResponseAlg: "RS256" });
    const { tokens } = await signInToAll([a, b, f]); // f's own client registers no URI
    const idToken = await verifiedIdToken(tokens[0]!.id_token, a.clientId);

    const response = await logoutWith(tokens[0]!.id_token);
    expect(response.status).toBeLessThan(500);

    const [stateA, stateB] = await Promise.all([stateWhen(rpA, (s) => s.received.length > 0), stateWhen(rpB, (s) => s.received.length > 0)]);
    for (const [state, app, alg] of [[stateA, a, "ES256"], [stateB, b, "RS256"]] as const) {
      expect(state.received).toHaveLength(1);
      expect(state.received[0]!.contentType).toBe("application/x-www-form-urlencoded");
      const token = state.received[0]!.logoutToken!;
      expect(decodeProtectedHeader(token).typ).toBe("logout+jwt");
      const verified = await verifyLogoutToken(token, app.clientId);
      expect(verified.alg).toBe(alg);
      const { payload } = verified;
      expect(payload).toMatchObject({ iss: ISSUER, aud: app.clientId, sub: idToken.sub, sid: idToken.sid, events: { [EVENT]: {} } });
      expect(payload.sid).toMatch(/^ses_/);
      expect(payload).not.toHaveProperty("nonce");
      expect(typeof payload.jti).toBe("string");
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(30);
    }

    // Who was told is on the record: the session's end names them, each delivery is audited.
    const ended = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=session.end&limit=5`);
    expect(ended.body.items[0].after.backchannelLogout.toSorted()).toEqual([a.clientId, b.clientId].toSorted());
    const events = await deliveryEvents(f, 2);
    expect(events.map((e) => [e.after.clientId, e.outcome, e.after.status]).toSorted()).toEqual(
      [[a.clientId, "success", 200], [b.clientId, "success", 200]].toSorted(),
    );
    expect(events[0]).toMatchObject({ actor: { kind: "system", job: "backchannel-logout" }, target: { type: "session", id: idToken.sid } });

    // The session's refresh tokens stop working, for every app.
    for (const [i, app] of [a, b, f].entries()) {
      const refused = (await (await refresh(app.clientId, tokens[i]!.refresh_token)).json()) as { error?: string };
      expect(refused.error).toBe("invalid_grant");
    }
    // Nothing more arrives later (one message per app).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await rpA.state()).received).toHaveLength(1);
  }, 20_000); // the file's first sign-in starts the emulators' and the Worker's isolates

  it("retries an app that fails: one failing twice gets the token on the third attempt", async () => {
    const f = await setup();
    const rp = testRp();
    await rp.arm({ failTimes: 2, status: 503 });
    const app = await newApp(f, { backchannelLogoutUri: rp.uri });
    const { tokens } = await signInToAll([app]);
    await logoutWith(tokens[0]!.id_token);

    const state = await stateWhen(rp, (s) => s.received.length > 0);
    expect(state.failedAttempts).toBe(2);
    expect(state.received).toHaveLength(1);
    expect((await verifyLogoutToken(state.received[0]!.logoutToken!, app.clientId)).payload.sid).toBe(decodeSid(tokens[0]!.id_token));
    const [event] = await deliveryEvents(f, 1);
    expect(event).toMatchObject({ outcome: "success", after: { clientId: app.clientId, attempts: 3, status: 200 } });
  });

  it("gives up on an answer after 5 s and tries again", async () => {
    const f = await setup();
    const rp = testRp();
    await rp.arm({ delayMs: 6_000 });
    const app = await newApp(f, { backchannelLogoutUri: rp.uri });
    const { tokens } = await signInToAll([app]);
    await logoutWith(tokens[0]!.id_token);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await rp.arm({ delayMs: 0 }); // the retry (after the first attempt's 5 s) is answered at once
    const [event] = await deliveryEvents(f, 1, 10_000);
    expect(event).toMatchObject({ outcome: "success", after: { clientId: app.clientId, attempts: 2, status: 200 } });
  }, 20_000);

  it("audits an app that never accepts as a failure with its status, after the last attempt", async () => {
    const f = await setup();
    const rp = testRp();
    await rp.arm({ failTimes: 100, status: 500 });
    const app = await newApp(f, { backchannelLogoutUri: rp.uri });
    const { tokens } = await signInToAll([app]);
    expect((await logoutWith(tokens[0]!.id_token)).status).toBeLessThan(500);

    const [event] = await deliveryEvents(f, 1);
    expect(event).toMatchObject({ outcome: "failure", after: { clientId: app.clientId, attempts: 6, status: 500 }, reason: expect.stringContaining("500") });
    const state = await rp.state();
    expect(state.failedAttempts).toBe(6);
    expect(state.received).toEqual([]);
  });

  it("tells nothing to an app deleted before the delivery, nor to one whose URI was removed", async () => {
    const f = await setup();
    const [gone, quiet] = [testRp(), testRp()];
    // A first attempt that comes before the change below is held 1.5 s and refused, so only a retry could deliver.
    await Promise.all([gone.arm({ failTimes: 1, status: 503, delayMs: 1500 }), quiet.arm({ failTimes: 1, status: 503, delayMs: 1500 })]);
    const deleted = await newApp(f, { backchannelLogoutUri: gone.uri });
    const unregistered = await newApp(f, { backchannelLogoutUri: quiet.uri });
    const { tokens } = await signInToAll([deleted, unregistered]);
    await logoutWith(tokens[0]!.id_token);

    expect((await api(f.project.token, "DELETE", `/projects/${f.project.id}/clients/${deleted.clientId}`)).status).toBe(204);
    const read = await api(f.project.token, "GET", `/projects/${f.project.id}/clients/${unregistered.clientId}`);
    const patched = await api(f.project.token, "PATCH", `/projects/${f.project.id}/clients/${unregistered.clientId}`, { backchannelLogoutUri: null }, { "If-Match": read.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect(patched.body.backchannelLogoutUri).toBeUndefined();

    // Both were queued; whether the change came before the first attempt or before the retry, nothing arrives.
    const ended = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=session.end&limit=5`);
    expect(ended.body.items[0].after.backchannelLogout.toSorted()).toEqual([deleted.clientId, unregistered.clientId].toSorted());
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // a held first attempt, its retry (at once in tests), and then some
    for (const rp of [gone, quiet]) {
      const state = await rp.state();
      expect(state.received).toEqual([]);
      expect(state.failedAttempts).toBeLessThanOrEqual(1);
    }
    expect(await deliveryEvents(f, 0)).toEqual([]);
  }, 20_000);

  it("an admin ending the session tells the apps too", async () => {
    const f = await setup();
    const rp = testRp();
    const app = await newApp(f, { backchannelLogoutUri: rp.uri });
    const { tokens } = await signInToAll([app]);
    const idToken = await verifiedIdToken(tokens[0]!.id_token, app.clientId);
    const ended = await api(f.project.token, "DELETE", `/projects/${f.project.id}/users/${idToken.sub}/sessions/${idToken.sid}`);
    expect(ended.status).toBe(204);
    const state = await stateWhen(rp, (s) => s.received.length > 0);
    expect((await verifyLogoutToken(state.received[0]!.logoutToken!, app.clientId)).payload).toMatchObject({ sub: idToken.sub, sid: idToken.sid });
  });

  it("delivers after the response when there is no logout queue, or it refuses; the logout never fails for it", async () => {
    const f = await setup();
    for (const queue of [undefined, { sendBatch: () => Promise.reject(new Error("queue down")) }]) {
      const rp = testRp();
      await rp.arm({ failTimes: 1, status: 502 });
      const app = await newApp(f, { backchannelLogoutUri: rp.uri });
      const { tokens } = await signInToAll([app]);
      const response = await call(`/oauth2/logout?${new URLSearchParams({ id_token_hint: tokens[0]!.id_token })}`, { redirect: "manual", env: { LOGOUT_QUEUE: queue } });
      expect(response.status).toBeLessThan(500);
      // One failure, then retried in process a second later.
      const state = await stateWhen(rp, (s) => s.received.length > 0);
      expect(state).toMatchObject({ failedAttempts: 1, received: [expect.anything()] });
      expect((await verifyLogoutToken(state.received[0]!.logoutToken!, app.clientId)).payload.sid).toBe(decodeSid(tokens[0]!.id_token));
    }
  });
});

describe("the logout queue's configuration", () => {
  it("wrangler.toml and the tests' consumer retry as often as the code expects, so the last attempt is the audited one", () => {
    const consumer = wranglerToml.split("[[queues.consumers]]").find((block) => block.trimStart().startsWith(`queue = "${LOGOUT_QUEUE_NAME}"`));
    expect(consumer).toMatch(new RegExp(`^max_retries = ${MAX_ATTEMPTS - 1}$`, "m"));
    expect(consumer).toMatch(/^dead_letter_queue = "fedgate-logout-dead"$/m);
    expect(wranglerToml).toMatch(new RegExp(`binding = "LOGOUT_QUEUE"\nqueue = "${LOGOUT_QUEUE_NAME}"`));
    // 10 s, then three times longer each time: ~20 min in all (README "Back-channel logout").
    expect(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1))).toEqual([10, 30, 90, 270, 810]);
    expect(vitestConfig).toMatch(new RegExp(`"${LOGOUT_QUEUE_NAME}": \\{[^}]*maxRetries: ${MAX_ATTEMPTS - 1}\\b`));
  });
});

describe("back-channel logout URI (admin API)", () => {
  it("takes https, or http on a loopback host; refuses other schemes, fragments and other http hosts", async () => {
    const f = await setup();
    for (const uri of ["https://app.example/bcl?tenant=1", "http://127.0.0.1:8789/backchannel-logout", "http://localhost/bcl"]) {
      const made = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "ok", kind: "public", redirectUris: [CLIENT_REDIRECT], backchannelLogoutUri: uri });
      expect(made.status, uri).toBe(201);
      expect(made.body.client.backchannelLogoutUri).toBe(uri);
    }
    for (const uri of ["http://app.example/bcl", "https://app.example/bcl#x", "ftp://app.example/bcl", "javascript:alert(1)", "/relative", `https://app.example/${"a".repeat(2000)}`]) {
      const made = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "bad", kind: "public", redirectUris: [CLIENT_REDIRECT], backchannelLogoutUri: uri });
      expect(made.status, uri).toBe(400);
    }
  });
});

/** The ID token's `sub` and `sid` (verified). */
async function verifiedIdToken(idToken: string, audience: string): Promise<{ sub: string; sid: string }> {
  const keys = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  const { payload } = await jwtVerify(idToken, keys, { issuer: ISSUER, audience });
  return { sub: payload.sub!, sid: payload.sid as string };
}

const decodeSid = (idToken: string): unknown => decodeJwt(idToken).sid;
