/**
 * AB-3: malformed input of any kind gets a 4xx in the endpoint's error format, never a 5xx.
 * Thousands of generated requests against every route that exists.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { newProject } from "./helpers/admin";
import { ADMIN_TOKEN, call } from "./helpers/worker";

let project: { id: string; token: string };
beforeAll(async () => {
  project = await newProject("fuzzed");
});

const adminPaths = (id: string) => [
  "/admin/v1/projects",
  `/admin/v1/projects/${id}`,
  `/admin/v1/projects/${id}/clients`,
  `/admin/v1/projects/${id}/clients/${id}.aaaaaaaaaaaaaaaaaaaa`,
  `/admin/v1/projects/${id}/providers`,
  `/admin/v1/projects/${id}/domains`,
  `/admin/v1/projects/${id}/domains/%E0%A4%A`,
  `/admin/v1/projects/${id}/users`,
  `/admin/v1/projects/${id}/api-keys`,
  `/admin/v1/audit?project=${id}&cursor=%FF`,
  "/admin/v1/openapi.json",
];

const paths = [
  "/healthz",
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
  "/.well-known/jwks.json",
  "/admin/v1/signing-keys",
  "/admin/v1/signing-keys/rotate",
  "/oauth2/token",
  "/oauth2/userinfo",
  "/oauth2/revoke",
  "/oauth2/authorize",
  "/oauth2/logout",
  "/auth/signin",
  "/auth/callback/okta",
  "/auth/assets/none.css",
  "/nowhere",
];

/** Endpoints a person's browser visits: their errors are pages, not JSON. */
const pageEndpoints = /^\/(oauth2\/(authorize|logout)|auth\/(signin|callback\/))/;

const pathArbitrary = fc.oneof(
  fc.constantFrom(...paths),
  fc.constant("admin").chain(() => fc.constantFrom(...adminPaths(project.id))),
  fc.tuple(fc.constantFrom(...paths), fc.string({ unit: "binary", maxLength: 30 })).map(([p, tail]) => p + encodeURIComponent(tail)),
  fc.webPath(),
);

const bodyArbitrary = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.json().map((json) => json),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant('{"force":true,"force":false}'),
  fc.constant("\uD800\uDFFF\uDC00"),
);

const headersArbitrary = fc.record(
  {
    "Content-Type": fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "garbage"),
    Authorization: fc.oneof(fc.constant(`Bearer ${ADMIN_TOKEN}`), fc.constant("project-key").map(() => `Bearer ${project.token}`), fc.constant("Bearer "), fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, "")}`), fc.constant("Basic !!!")),
    "If-None-Match": fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")),
    Origin: fc.constantFrom("https://app.example", "null", "*"),
  },
  { requiredKeys: [] },
);

describe("AB-3: malformed input", () => {
  it("never gets a 5xx, and every error is JSON in its endpoint's format", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
        pathArbitrary,
        headersArbitrary,
        bodyArbitrary,
        async (method, path, headers, body) => {
          const withBody = method !== "GET" && method !== "HEAD" && body !== undefined;
          const response = await call(path, { method, headers, ...(withBody ? { body } : {}) });
          expect(response.status, `${method} ${path}`).toBeLessThan(500);
          if (response.status >= 400 && method !== "HEAD" && !pageEndpoints.test(path)) {
            const type = response.headers.get("Content-Type") ?? "";
            expect(type).toMatch(path.startsWith("/oauth2/") ? /^application\/json/ : /^application\/problem\+json/);
            expect(response.headers.get("Cache-Control")).toBe("no-store");
            await response.json();
          } else {
            await response.arrayBuffer();
          }
        },
      ),
      { numRuns: 1500 },
    );
  }, 120_000);
});
