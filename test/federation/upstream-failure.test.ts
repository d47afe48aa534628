/**
 * SECURITY.md RP-8 and AB-8: only "no usable answer" is an outage; a provider's "no" is a refusal;
 * anything else is a bug that must surface as a 500, never as "identity provider unavailable".
 */
import * as client from "openid-client";
import { describe, expect, it } from "vitest";
import { classifyUpstreamFailure, upstreamFetch, UpstreamUnavailableError } from "../../src/federation/upstream-failure";
import { UpstreamTokenError } from "../../src/federation/token-error";

const URL_ = "https://idp.example/oauth2/token?secret=never-logged";

describe("upstream failures", () => {
  it("RP-8: a refused connection, a timeout, a 5xx, 408 and 429 are outages; the detail names the endpoint, not its query", async () => {
    const refused = upstreamFetch(async () => { throw new TypeError("Network connection lost."); });
    await expect(refused(URL_)).rejects.toMatchObject({ name: "UpstreamUnavailableError", timedOut: false, detail: "idp.example/oauth2/token could not be reached (TypeError: Network connection lost.)" });
    const slow = upstreamFetch(async () => { throw new DOMException("timed out", "TimeoutError"); });
    await expect(slow(URL_)).rejects.toMatchObject({ timedOut: true, detail: "idp.example/oauth2/token did not answer in time" });
    for (const status of [500, 502, 503, 408, 429]) {
      await expect(upstreamFetch(async () => new Response("x", { status }))(URL_)).rejects.toMatchObject({ detail: `idp.example/oauth2/token answered HTTP ${status}` });
    }
    for (const status of [200, 400, 401, 404]) expect((await upstreamFetch(async () => new Response("x", { status }))(URL_)).status).toBe(status);
  });

  it("RP-8: an outage anywhere down the cause chain (openid-client wraps it) is classified unavailable", () => {
    const wrapped = new client.ClientError("something went wrong", { cause: new UpstreamUnavailableError("idp.example/keys answered HTTP 503") });
    expect(classifyUpstreamFailure(wrapped)).toEqual({ outcome: "unavailable", timedOut: false, detail: "idp.example/keys answered HTTP 503" });
    expect(classifyUpstreamFailure(new UpstreamTokenError("jwks_unavailable", "keys"))).toMatchObject({ outcome: "unavailable" });
  });

  it("a refused token or an error answer is a refusal with its check's code", () => {
    expect(classifyUpstreamFailure(new UpstreamTokenError("nonce", "differs"))).toEqual({ outcome: "rejected", code: "nonce", detail: "differs" });
  });

  it("AB-8: a TypeError, a RangeError or a runtime refusal of ours is not the provider's: null, so the caller rethrows it (500)", () => {
    expect(classifyUpstreamFailure(new TypeError('"EdDSA" may not be on a JWS algorithm allow-list'))).toBeNull();
    expect(classifyUpstreamFailure(new RangeError("bug"))).toBeNull();
    expect(classifyUpstreamFailure(Object.assign(new client.ClientError("runtime unsupported operation"), { code: "OAUTH_UNSUPPORTED_OPERATION" }))).toBeNull();
  });
});
