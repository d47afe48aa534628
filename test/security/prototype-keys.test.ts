/**
 * SECURITY.md AB-6: request input never indexes a plain object. Each test is named after what broke
 * when it did: a name Object.prototype holds (`constructor`, `__proto__`, `toString`, …) was found
 * in a lookup table and taken for a known value. The malformed-input fuzz sends these names
 * everywhere; these pin the cases it found.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { STYLESHEET_PATH } from "../../src/ui/assets";
import { exchangeClient, exchangeProvider, exchangeToken, newProject } from "../helpers/exchange";
import { tokenRequest, type ClientAuth } from "../helpers/oauth";
import { upstreamTokens } from "../helpers/upstream";
import { call } from "../helpers/worker";

export const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"] as const;

describe("AB-6: names Object.prototype holds are ordinary unknown values", () => {
  let client: ClientAuth;
  let clientId: string;

  beforeAll(async () => {
    const project = await newProject("prototype keys");
    const provider = await exchangeProvider(project, "okta");
    client = await exchangeClient(project);
    clientId = provider.upstreamClient.clientId;
  }, 30_000);

  it("subject_token_type=constructor (and the others) was accepted as a token type and issued a token; now invalid_request", async () => {
    const upstream = await upstreamTokens("okta", { clientId, nonce: crypto.randomUUID() });
    for (const name of PROTOTYPE_NAMES) {
      const response = await tokenRequest(
        { grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: upstream.access_token, subject_token_type: name },
        client,
      );
      expect(response.status, name).toBe(400);
      expect(response.body.error, name).toBe("invalid_request");
      expect(response.body.error_description, name).toMatch(/^"subject_token_type" must be one of urn:ietf:params:oauth:token-type:access_token, /);
      expect(response.body.access_token, name).toBeUndefined();
    }
    // The same token with its real type is exchanged: the refusals above were about the type alone.
    expect((await exchangeToken(client, upstream.access_token, "access")).status).toBe(200);
  });

  it("GET /auth/assets/__proto__ (and the others) was a 500; now the app's 404", async () => {
    for (const name of PROTOTYPE_NAMES) {
      const response = await call(`/auth/assets/${name}`);
      expect(response.status, name).toBe(404);
      expect(response.headers.get("Content-Type"), name).toMatch(/^application\/problem\+json/);
      await response.arrayBuffer();
    }
    const stylesheet = await call(STYLESHEET_PATH);
    expect(stylesheet.status).toBe(200);
    expect(stylesheet.headers.get("Content-Type")).toBe("text/css; charset=utf-8");
    await stylesheet.arrayBuffer();
  });
});
