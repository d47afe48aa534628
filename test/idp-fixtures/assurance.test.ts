/**
 * MFA, acr_values, older upstream sessions (authAge, max_age) and the record of what each provider
 * was asked, seen as a relying party sees them.
 */
import { describe, expect, it } from "vitest";
import { PROVIDERS, TEST_CLIENTS, authorize, decodeJwt, discover, rawTokens, signIn, tokenRequest, useEmulators, type Emulators, type ProviderId } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

const PAPE_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/** A sign-in's ID token and access token claims (access token only when it is a JWT). */
async function signInClaims(provider: ProviderId, extra: Record<string, string> = {}) {
  const { body, config } = await rawTokens(emu, provider, { extra });
  const access = body.access_token?.split(".").length === 3 ? decodeJwt(body.access_token) : undefined;
  return { id: decodeJwt(body.id_token ?? ""), access, body, config };
}

async function discoveryOf(provider: ProviderId): Promise<Record<string, unknown>> {
  return (await discover(emu, provider)).serverMetadata() as Record<string, unknown>;
}

describe("acr_values without the mfa switch", () => {
  it("Okta (custom and org AS): 2fa:any does MFA — amr pwd+mfa+otp, acr the requested value in the ID and access tokens", async () => {
    for (const provider of ["okta", "okta-org"] as const) {
      const { id, access } = await signInClaims(provider, { acr_values: "urn:okta:loa:2fa:any" });
      expect(id["amr"], provider).toEqual(["pwd", "mfa", "otp"]);
      expect(id["acr"], provider).toBe("urn:okta:loa:2fa:any");
      expect(access?.["acr"], provider).toBe("urn:okta:loa:2fa:any");
    }
  });

  it("Okta: 1fa values report their acr with a password-only amr; no acr_values, no acr", async () => {
    const oneFactor = await signInClaims("okta", { acr_values: "urn:okta:loa:1fa:any" });
    expect(oneFactor.id["amr"]).toEqual(["pwd"]);
    expect(oneFactor.id["acr"]).toBe("urn:okta:loa:1fa:any");
    const plain = await signInClaims("okta");
    expect(plain.id["amr"]).toEqual(["pwd"]);
    expect(plain.id).not.toHaveProperty("acr");
    expect(plain.access).not.toHaveProperty("acr");
  });

  it("Okta: unknown values are ignored; the first supported value in the client's order is reported", async () => {
    const { id } = await signInClaims("okta", { acr_values: "urn:example:gold phr urn:okta:loa:1fa:any" });
    expect(id["acr"]).toBe("phr");
    expect(id["amr"]).toEqual(["pwd", "mfa", "pop"]);
    const ignored = await signInClaims("okta", { acr_values: PAPE_MFA });
    expect(ignored.id["amr"]).toEqual(["pwd"]);
    expect(ignored.id).not.toHaveProperty("acr");
  });

  it("Auth0: the PAPE multi-factor policy does MFA — amr [mfa] and acr the PAPE URI; otherwise neither claim", async () => {
    const mfa = await signInClaims("auth0", { acr_values: PAPE_MFA });
    expect(mfa.id["amr"]).toEqual(["mfa"]);
    expect(mfa.id["acr"]).toBe(PAPE_MFA);
    for (const extra of [{}, { acr_values: "urn:okta:loa:2fa:any" }] as Record<string, string>[]) {
      const { id } = await signInClaims("auth0", extra);
      expect(id).not.toHaveProperty("amr");
      expect(id).not.toHaveProperty("acr");
    }
  });

  it("Google and Cognito ignore acr_values and never send amr or acr, whatever the switch", async () => {
    for (const provider of ["google", "cognito"] as const) {
      for (const mfa of [undefined, "always", "never"] as const) {
        await emu.control(provider, { mfa: mfa ?? null });
        const { id, access } = await signInClaims(provider, { acr_values: `${PAPE_MFA} urn:okta:loa:2fa:any` });
        for (const claims of [id, access ?? {}]) {
          expect(claims, `${provider} ${mfa}`).not.toHaveProperty("amr");
          expect(claims, `${provider} ${mfa}`).not.toHaveProperty("acr");
        }
      }
    }
  });

  it("discovery: Okta lists its acr values; Auth0, Google and Cognito list none", async () => {
    for (const provider of ["okta", "okta-org"] as const) {
      expect((await discoveryOf(provider))["acr_values_supported"], provider).toEqual([
        "urn:okta:loa:1fa:any",
        "urn:okta:loa:1fa:pwd",
        "urn:okta:loa:2fa:any",
        "urn:okta:loa:2fa:any:ifpossible",
        "phr",
        "phrh",
      ]);
    }
    for (const provider of ["auth0", "google", "cognito"] as const) {
      expect(await discoveryOf(provider), provider).not.toHaveProperty("acr_values_supported");
    }
  });
});

describe("the mfa switch", () => {
  it('"always": every sign-in does MFA, with or without acr_values', async () => {
    await emu.control("okta", { mfa: "always" });
    await emu.control("auth0", { mfa: "always" });
    const okta = await signInClaims("okta");
    expect(okta.id["amr"]).toEqual(["pwd", "mfa", "otp"]);
    expect(okta.id).not.toHaveProperty("acr");
    const auth0 = await signInClaims("auth0");
    expect(auth0.id["amr"]).toEqual(["mfa"]);
    expect(auth0.id["acr"]).toBe(PAPE_MFA);
  });

  it('"never" at Okta: 2fa:any (and phr) end in unmet_authentication_requirements; ifpossible falls back to one factor', async () => {
    await emu.control("okta", { mfa: "never" });
    for (const acr of ["urn:okta:loa:2fa:any", "phr"]) {
      const { callback, state } = await authorize(emu, "okta", { extra: { acr_values: acr } });
      expect(callback.searchParams.get("error"), acr).toBe("unmet_authentication_requirements");
      expect(callback.searchParams.get("state")).toBe(state);
      expect(callback.searchParams.get("code")).toBeNull();
    }
    const { id } = await signInClaims("okta", { acr_values: "urn:okta:loa:2fa:any:ifpossible" });
    expect(id["amr"]).toEqual(["pwd"]);
    expect(id["acr"]).toBe("urn:okta:loa:2fa:any:ifpossible");
  });

  it('"never" at Auth0: the step-up is ignored — tokens without amr or acr', async () => {
    await emu.control("auth0", { mfa: "never" });
    const { id } = await signInClaims("auth0", { acr_values: PAPE_MFA });
    expect(id).not.toHaveProperty("amr");
    expect(id).not.toHaveProperty("acr");
  });

  it("is client-scoped, and null removes it", async () => {
    const other = { clientId: "0oaassurancetest0005", clientSecret: "s", allowLoopbackRedirects: true };
    await emu.registerClient("okta", other);
    await emu.control("okta", { clientId: other.clientId, mfa: "always" });
    expect((await signInClaims("okta")).id["amr"]).toEqual(["pwd"]);
    const config = await discover(emu, "okta", { clientId: other.clientId, secret: other.clientSecret });
    expect((await signIn(emu, "okta", { config })).tokens.claims()?.["amr"]).toEqual(["pwd", "mfa", "otp"]);
    await emu.control("okta", { clientId: other.clientId, mfa: null });
    expect((await signIn(emu, "okta", { config })).tokens.claims()?.["amr"]).toEqual(["pwd"]);
  });

  it("the claims switch still injects any amr or acr", async () => {
    await emu.control("google", { claims: { amr: ["hwk"], acr: "urn:example:high" } });
    const { id } = await signInClaims("google");
    expect(id["amr"]).toEqual(["hwk"]);
    expect(id["acr"]).toBe("urn:example:high");
  });

  it("refresh: Okta's tokens keep the sign-in's acr and amr; Auth0's refreshed ID token has neither", async () => {
    for (const [provider, acr] of [["okta", "urn:okta:loa:2fa:any"], ["auth0", PAPE_MFA]] as const) {
      const { body, config } = await signInClaims(provider, { acr_values: acr });
      const res = await tokenRequest(config, provider, { grant_type: "refresh_token", refresh_token: body.refresh_token ?? "" });
      const refreshed = decodeJwt(((await res.json()) as { id_token: string }).id_token);
      if (provider === "okta") expect(refreshed).toMatchObject({ acr, amr: ["pwd", "mfa", "otp"] });
      else {
        expect(refreshed).not.toHaveProperty("amr");
        expect(refreshed).not.toHaveProperty("acr");
      }
    }
  });

  it("refuses bad values with a 400 that says what it expected", async () => {
    await expect(emu.control("okta", { mfa: "sometimes" as never })).rejects.toThrow(/400 "mfa" has an invalid value: expected "always" or "never"/);
    await expect(emu.control("okta", { mfa: true as never })).rejects.toThrow(/400 "mfa"/);
  });
});

describe("authAge and max_age", () => {
  it("authAge puts auth_time that many seconds before the sign-in (Okta ID and access token, Cognito)", async () => {
    await emu.control("okta", { authAge: 3600 });
    await emu.control("cognito", { authAge: 3600 });
    for (const provider of ["okta", "cognito"] as const) {
      const { id, access } = await signInClaims(provider);
      const iat = id["iat"] as number;
      expect((id["auth_time"] as number) - (iat - 3600), provider).toBeGreaterThanOrEqual(0);
      expect((id["auth_time"] as number) - (iat - 3600), provider).toBeLessThanOrEqual(2);
      expect(access?.["auth_time"], provider).toBe(id["auth_time"]);
    }
  });

  it("without authAge, auth_time is the sign-in itself", async () => {
    const { id } = await signInClaims("okta");
    expect(Math.abs((id["auth_time"] as number) - (id["iat"] as number))).toBeLessThanOrEqual(2);
  });

  it("Auth0 sends auth_time only when max_age was asked for; Google never does", async () => {
    await emu.control("auth0", { authAge: 600 });
    await emu.control("google", { authAge: 600 });
    expect((await signInClaims("auth0")).id).not.toHaveProperty("auth_time");
    const withMaxAge = await signInClaims("auth0", { max_age: "60" });
    expect((withMaxAge.id["iat"] as number) - (withMaxAge.id["auth_time"] as number)).toBeGreaterThanOrEqual(600);
    expect((await signInClaims("google", { max_age: "60" })).id).not.toHaveProperty("auth_time");
  });

  it("authAge stands even when max_age is shorter or prompt=login (the provider ignored them)", async () => {
    await emu.control("okta", { authAge: 7200 });
    const { id } = await signInClaims("okta", { max_age: "0", prompt: "login" });
    expect((id["iat"] as number) - (id["auth_time"] as number)).toBeGreaterThanOrEqual(7200);
  });

  it("prompt=none: login_required even on the test path, unless authAge says there is a session", async () => {
    const first = await authorize(emu, "okta", { extra: { prompt: "none" } });
    expect(first.callback.searchParams.get("error")).toBe("login_required");
    await emu.control("okta", { authAge: 60 });
    const again = await authorize(emu, "okta", { extra: { prompt: "none" } });
    expect(again.callback.searchParams.get("code")).toBeTruthy();
  });

  it("refuses a negative, fractional or non-numeric authAge", async () => {
    for (const authAge of [-1, 1.5, "60"]) {
      await expect(emu.control("okta", { authAge: authAge as never }), String(authAge)).rejects.toThrow(/400 "authAge" has an invalid value/);
    }
  });
});

describe("GET /__control/requests", () => {
  it("records each authorization request's parameters per provider and client, newest last, without test_password", async () => {
    await authorize(emu, "okta", { extra: { prompt: "login", max_age: "0", acr_values: "urn:okta:loa:2fa:any" } });
    await authorize(emu, "okta", { extra: { ui_locales: "de" } });
    const requests = await emu.requests("okta", TEST_CLIENTS.okta.id);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.params).toMatchObject({ prompt: "login", max_age: "0", acr_values: "urn:okta:loa:2fa:any", login_hint: "olivia@okta.example", scope: expect.stringContaining("openid") });
    expect(requests[0]?.params).not.toHaveProperty("test_password");
    expect(requests[1]?.params["ui_locales"]).toBe("de");
    expect(Date.parse(requests[1]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(requests[0]?.at ?? ""));
    expect(await emu.requests("okta-org", TEST_CLIENTS.okta.id)).toEqual([]);
    expect(await emu.requests("auth0", TEST_CLIENTS.auth0.id)).toEqual([]);
  });

  it("keeps the last 20, and a reset (full, or of that client) clears them", async () => {
    for (let i = 0; i < 22; i++) await authorize(emu, "google", { extra: { state: `s${i}` } });
    const requests = await emu.requests("google", TEST_CLIENTS.google.id);
    expect(requests.map((r) => r.params["state"])).toEqual(Array.from({ length: 20 }, (_, i) => `s${i + 2}`));
    await emu.reset({ clientId: TEST_CLIENTS.google.id });
    expect(await emu.requests("google", TEST_CLIENTS.google.id)).toEqual([]);
    await authorize(emu, "cognito");
    await emu.reset();
    expect(await emu.requests("cognito", TEST_CLIENTS.cognito.id)).toEqual([]);
  });

  it("also records requests the provider rejected", async () => {
    const config = await discover(emu, "cognito");
    const url = new URL(config.serverMetadata().authorization_endpoint ?? "");
    url.search = new URLSearchParams({ client_id: TEST_CLIENTS.cognito.id, redirect_uri: "http://evil.example/", scope: "openid" }).toString();
    expect((await fetch(url, { redirect: "manual" })).status).toBe(400);
    expect((await emu.requests("cognito", TEST_CLIENTS.cognito.id))[0]?.params["redirect_uri"]).toBe("http://evil.example/");
  });

  it("400 for an unknown provider or a missing clientId", async () => {
    for (const query of ["provider=nope&clientId=x", "clientId=x", "provider=okta", "provider=constructor&clientId=x"]) {
      const res = await fetch(`${emu.origin}/__control/requests?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: string }).error, query).toMatch(/provider|clientId/);
    }
  });
});

// Every provider keeps the request log, whatever it does with acr_values.
it("every provider records its authorization requests", async () => {
  for (const provider of PROVIDERS) await authorize(emu, provider, { extra: { acr_values: "x" } });
  for (const provider of PROVIDERS) {
    expect((await emu.requests(provider, TEST_CLIENTS[provider].id))[0]?.params["acr_values"], provider).toBe("x");
  }
});
