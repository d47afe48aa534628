import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { OAuthError } from "../../src/errors";
import { authenticateClient, presentedClient } from "../../src/oauth/client-auth";
import { DurableObjectStore } from "../../src/store/durable-object";
import { api, newProject } from "../helpers/admin";

const config = parseConfig(env as unknown as Record<string, unknown>);
const store = new DurableObjectStore(env.STORE);
let confidential: { id: string; secret: string };
let publicId: string;

beforeAll(async () => {
  const project = await newProject("client auth");
  const c = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "server", kind: "confidential", grantTypes: ["client_credentials"] });
  confidential = { id: c.body.client.id, secret: c.body.clientSecret };
  publicId = (await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "spa", kind: "public", redirectUris: ["https://spa.example/cb"] })).body.client.id;
});

const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
const form = (entries: Record<string, string>) => new URLSearchParams(entries);

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<OAuthError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("client authentication", () => {
  it("accepts client_secret_basic and client_secret_post for a confidential client", async () => {
    const viaBasic = presentedClient(basic(confidential.id, confidential.secret), form({}));
    expect(viaBasic.method).toBe("client_secret_basic");
    expect((await authenticateClient(store, config, viaBasic)).id).toBe(confidential.id);
    const viaPost = presentedClient(undefined, form({ client_id: confidential.id, client_secret: confidential.secret }));
    expect(viaPost.method).toBe("client_secret_post");
    expect((await authenticateClient(store, config, viaPost)).id).toBe(confidential.id);
  });

  it("AS-7: refuses a wrong secret, an unknown client and a missing secret as invalid_client 401, saying nothing more", async () => {
    for (const presented of [
      presentedClient(basic(confidential.id, "wrong"), form({})),
      presentedClient(undefined, form({ client_id: confidential.id })),
      presentedClient(undefined, form({ client_id: "prj_aaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaa", client_secret: "x" })),
    ]) {
      const error = await refusal(authenticateClient(store, config, presented));
      expect(error).toMatchObject({ error: "invalid_client", status: 401, description: "Client authentication failed." });
    }
    const basicError = await refusal(authenticateClient(store, config, presentedClient(basic(confidential.id, "wrong"), form({}))));
    expect(basicError.headers["WWW-Authenticate"]).toMatch(/^Basic /);
  });

  it("lets a public client in without a secret, and refuses one that sends a secret", async () => {
    expect((await authenticateClient(store, config, presentedClient(undefined, form({ client_id: publicId })))).kind).toBe("public");
    expect(await refusal(authenticateClient(store, config, presentedClient(undefined, form({ client_id: publicId, client_secret: "x" }))))).toMatchObject({ error: "invalid_client" });
  });

  it("refuses ambiguous or malformed credentials", async () => {
    const ambiguous = [
      () => presentedClient(basic(confidential.id, "s"), form({ client_secret: "s" })),
      () => presentedClient(basic(confidential.id, "s"), form({ client_id: "someone-else" })),
    ];
    for (const attempt of ambiguous) expect((await refusal(attempt)).error).toBe("invalid_request");
    for (const header of ["Bearer abc", "Basic !!!", `Basic ${btoa("no-colon")}`, `Basic ${btoa("%E0%A4%A:x")}`]) {
      expect((await refusal(() => presentedClient(header, form({})))).error, header).toBe("invalid_client");
    }
    expect((await refusal(() => presentedClient(undefined, form({})))).error).toBe("invalid_client");
  });

  it("decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)", () => {
    const presented = presentedClient(`Basic ${btoa("a%3Ab:p%2Bq+r")}`, form({}));
    expect(presented).toEqual({ method: "client_secret_basic", clientId: "a:b", secret: "p+q r" });
  });
});
