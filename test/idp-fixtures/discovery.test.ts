/** Discovery documents and JWKS: exact issuers, each provider's endpoint paths, published keys. */
import { describe, expect, it } from "vitest";
import { startEmulators } from "../../idp-fixtures/start.mjs";
import { PROVIDERS, useEmulators, type Emulators, type ProviderId } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

const wellKnown = (issuer: string) => `${issuer}${issuer.endsWith("/") ? "" : "/"}.well-known/openid-configuration`;

async function discoveryOf(provider: ProviderId): Promise<Record<string, unknown>> {
  const res = await fetch(wellKnown(emu.issuers[provider]));
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Endpoint paths by provider, as each real provider shapes them. */
const PATHS: Record<ProviderId, Record<string, string | undefined>> = {
  auth0: {
    authorization_endpoint: "/auth0/authorize",
    token_endpoint: "/auth0/oauth/token",
    userinfo_endpoint: "/auth0/userinfo",
    jwks_uri: "/auth0/.well-known/jwks.json",
    revocation_endpoint: "/auth0/oauth/revoke",
    end_session_endpoint: "/auth0/oidc/logout",
  },
  okta: {
    authorization_endpoint: "/okta/oauth2/default/v1/authorize",
    token_endpoint: "/okta/oauth2/default/v1/token",
    userinfo_endpoint: "/okta/oauth2/default/v1/userinfo",
    jwks_uri: "/okta/oauth2/default/v1/keys",
    revocation_endpoint: "/okta/oauth2/default/v1/revoke",
    introspection_endpoint: "/okta/oauth2/default/v1/introspect",
    end_session_endpoint: "/okta/oauth2/default/v1/logout",
  },
  "okta-org": {
    authorization_endpoint: "/okta/oauth2/v1/authorize",
    token_endpoint: "/okta/oauth2/v1/token",
    userinfo_endpoint: "/okta/oauth2/v1/userinfo",
    jwks_uri: "/okta/oauth2/v1/keys",
    revocation_endpoint: "/okta/oauth2/v1/revoke",
    introspection_endpoint: "/okta/oauth2/v1/introspect",
    end_session_endpoint: "/okta/oauth2/v1/logout",
  },
  google: {
    authorization_endpoint: "/google/o/oauth2/v2/auth",
    token_endpoint: "/google/token",
    userinfo_endpoint: "/google/v1/userinfo",
    jwks_uri: "/google/oauth2/v3/certs",
    revocation_endpoint: "/google/revoke",
    end_session_endpoint: undefined,
  },
  cognito: {
    authorization_endpoint: "/cognito-domain/oauth2/authorize",
    token_endpoint: "/cognito-domain/oauth2/token",
    userinfo_endpoint: "/cognito-domain/oauth2/userInfo",
    jwks_uri: "/cognito/us-east-1_fedgate/.well-known/jwks.json",
    revocation_endpoint: undefined,
    end_session_endpoint: undefined,
    code_challenge_methods_supported: undefined,
  },
};

describe.each(PROVIDERS)("%s discovery and JWKS", (provider) => {
  it("serves the exact issuer and the provider's endpoint paths", async () => {
    const doc = await discoveryOf(provider);
    expect(doc.issuer).toBe(emu.issuers[provider]);
    for (const [field, path] of Object.entries(PATHS[provider])) {
      expect(doc[field], field).toBe(path === undefined ? undefined : emu.origin + path);
    }
  });

  it("publishes RS256 keys with kids, and two of them", async () => {
    const doc = await discoveryOf(provider);
    const res = await fetch(String(doc.jwks_uri));
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String), e: "AQAB" });
    expect(keys.some((k) => "d" in k)).toBe(false);
  });
});

describe("issuer strings", () => {
  it("follow each provider's shape on the emulators' origin", () => {
    expect(emu.issuers).toEqual({
      auth0: `${emu.origin}/auth0/`,
      okta: `${emu.origin}/okta/oauth2/default`,
      "okta-org": `${emu.origin}/okta`,
      google: `${emu.origin}/google`,
      cognito: `${emu.origin}/cognito/us-east-1_fedgate`,
    });
  });

  it("Okta also serves RFC 8414 metadata for the custom AS", async () => {
    const res = await fetch(`${emu.issuers.okta}/.well-known/oauth-authorization-server`);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(emu.issuers.okta);
  });

  it("PKCE methods: Auth0 and Google allow plain, Okta S256 only", async () => {
    expect((await discoveryOf("auth0")).code_challenge_methods_supported).toEqual(["S256", "plain"]);
    expect((await discoveryOf("google")).code_challenge_methods_supported).toEqual(["plain", "S256"]);
    expect((await discoveryOf("okta")).code_challenge_methods_supported).toEqual(["S256"]);
  });

  it("startEmulators on a given port builds the issuers from that port", async () => {
    const probe = await startEmulators();
    const port = Number(new URL(probe.origin).port);
    await probe.stop();
    const fixed = await startEmulators({ port });
    try {
      expect(fixed.origin).toBe(`http://127.0.0.1:${port}`);
      const doc = (await (await fetch(wellKnown(fixed.issuers.cognito))).json()) as { issuer: string };
      expect(doc.issuer).toBe(`http://127.0.0.1:${port}/cognito/us-east-1_fedgate`);
    } finally {
      await fixed.stop();
    }
  });
});
