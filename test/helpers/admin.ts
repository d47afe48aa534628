/** Admin API calls for tests: a fresh project per test file, and a JSON client for any credential. */
import { env } from "cloudflare:workers";
import { ADMIN_TOKEN, call } from "./worker";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Calls `/admin/v1{path}` with `token`, JSON in and out. A read of an audit log first waits for the
 * audit queue to deliver what earlier requests sent (see `settledAudit`).
 */
export async function api<T = any>(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  if (method === "GET" && /^\/(projects\/[^/]+\/)?audit(\?|$)/.test(path)) return settledAudit(() => send<T>(token, method, path, body, headers));
  return send<T>(token, method, path, body, headers);
}

/** How long an audit read must stay unchanged to count as delivered: above the test queue's batch timeout (vitest.config.ts). */
const AUDIT_QUIET_MS = 150;
const AUDIT_WAIT_MS = 5_000;

/**
 * Reads until two reads AUDIT_QUIET_MS apart agree (events reach the log through the audit queue,
 * after the response), at most AUDIT_WAIT_MS; then answers the last read, whatever it holds.
 */
async function settledAudit<T>(read: () => Promise<ApiResponse<T>>): Promise<ApiResponse<T>> {
  const deadline = Date.now() + AUDIT_WAIT_MS;
  let last = await read();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, AUDIT_QUIET_MS));
    const next = await read();
    if (next.status !== 200 || JSON.stringify(next.body) === JSON.stringify(last.body)) return next;
    last = next;
  }
  return last;
}

async function send<T>(token: string, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse<T>> {
  const response = await call(`/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export const operator = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api(ADMIN_TOKEN, method, path, body, headers);

/** A new project and its first API key. */
export async function newProject(name = "Test project"): Promise<{ id: string; token: string }> {
  const created = await operator("POST", "/projects", { name });
  if (created.status !== 201) throw new Error(`project creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.project.id, token: created.body.apiKey.token };
}

/** The emulators' issuers (test/global-setup.ts starts them). */
export const issuers = {
  auth0: `${env.TEST_EMULATOR_ORIGIN}/auth0/`,
  okta: `${env.TEST_EMULATOR_ORIGIN}/okta/oauth2/default`,
  oktaOrg: `${env.TEST_EMULATOR_ORIGIN}/okta`,
  google: `${env.TEST_EMULATOR_ORIGIN}/google`,
  cognito: `${env.TEST_EMULATOR_ORIGIN}/cognito/us-east-1_fedgate`,
};

/** Flips an emulator switch (idp-fixtures/README.md). */
export async function emulatorSwitch(provider: string, switches: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/${provider}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(switches),
  });
  if (!response.ok) throw new Error(`emulator switch failed: ${response.status} ${await response.text()}`);
}

/** Adds a provider of `kind` at the emulated issuer. */
export async function newProvider(project: { id: string; token: string }, kind: keyof typeof issuers = "okta", extra: Record<string, unknown> = {}) {
  const providerKind = kind === "oktaOrg" ? "okta" : kind;
  const created = await api(project.token, "POST", `/projects/${project.id}/providers`, {
    name: `${kind} test`, kind: providerKind, issuer: issuers[kind], clientId: `client-of-${kind}`, clientSecret: "upstream-secret", ...extra,
  });
  if (created.status !== 201) throw new Error(`provider creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { id: string; [key: string]: unknown };
}
