/**
 * The upstream authorization URL (RP-1), built with URLSearchParams since openid-client left the
 * Worker: it must be the URL openid-client's buildAuthorizationUrl gave, and refuse what it refused.
 */
import * as client from "openid-client";
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { authorizationUrl, type UpstreamServer } from "../../src/federation/upstream";

const server = (issuer: string, as: Partial<oauth.AuthorizationServer>): UpstreamServer => ({
  issuer: new URL(issuer),
  as: { issuer, ...as },
  client: { client_id: "fedgate-client" },
  clientAuth: oauth.None(),
});

/** openid-client's URL for the same server (its Configuration allows http for loopback issuers only, as upstream.ts did). */
function openidClientUrl(s: UpstreamServer, parameters: Record<string, string>): URL {
  const configuration = new client.Configuration(s.as, s.client.client_id);
  if (s.issuer.protocol === "http:") client.allowInsecureRequests(configuration);
  return client.buildAuthorizationUrl(configuration, parameters);
}

const parameters = {
  redirect_uri: "https://fedgate.example/auth/callback/idp_1",
  scope: "openid email profile",
  state: oauth.generateRandomState(),
  nonce: oauth.generateRandomNonce(),
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
  login_hint: "ann@example.com",
  prompt: "login",
};

describe("the upstream authorization URL", () => {
  it("RP-1: is openid-client's: the endpoint's own query kept, then every parameter, client_id and response_type=code", () => {
    const s = server("https://idp.example", { authorization_endpoint: "https://idp.example/authorize?tenant=acme" });
    const url = authorizationUrl(s, parameters);
    expect(url.href).toBe(openidClientUrl(s, parameters).href);
    expect(url.searchParams.get("tenant")).toBe("acme");
    expect(url.searchParams.get("client_id")).toBe("fedgate-client");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("nonce")).toBe(parameters.nonce);
  });

  it("allows a plain-http endpoint only for a loopback http issuer (the emulators, local development)", () => {
    const loopback = server("http://127.0.0.1:8787/okta", { authorization_endpoint: "http://127.0.0.1:8787/okta/v1/authorize" });
    expect(authorizationUrl(loopback, parameters).href).toBe(openidClientUrl(loopback, parameters).href);
    const downgraded = server("https://idp.example", { authorization_endpoint: "http://idp.example/authorize" });
    expect(() => authorizationUrl(downgraded, parameters)).toThrow(/not https/);
    expect(() => openidClientUrl(downgraded, parameters)).toThrow();
  });

  it("refuses a document without a usable authorization_endpoint, as openid-client did", () => {
    for (const as of [{}, { authorization_endpoint: "not a url" }, { authorization_endpoint: "javascript:alert(1)" }]) {
      const s = server("https://idp.example", as);
      expect(() => authorizationUrl(s, parameters)).toThrow();
      expect(() => openidClientUrl(s, parameters)).toThrow();
    }
  });
});
