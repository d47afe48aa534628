import { migratingAppClient } from "../../scripts/upstream-token.mjs";

// The admin API over real HTTP, for the e2e tests (JSON in and out).
export function adminApi(brokerUrl: string) {
  return async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${brokerUrl}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
}

/**
 * A project for a migrating app: an Okta provider at the emulator that trusts the emulator's
 * migrating-app client (scripts/upstream-token.mjs) for exchange (`api://default` access tokens).
 * `settings`: more of the project's settings, e.g. `tokenExchange`.
 */
export async function migratingProject(brokerUrl: string, adminToken: string, emulatorOrigin: string, name: string, settings: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const admin = adminApi(brokerUrl);
  const created = await admin(adminToken, "POST", "/projects", { name, ...settings });
  const project = { id: created.body.project.id as string, token: created.body.apiKey.token as string };
  const okta = migratingAppClient("okta");
  const provider = await admin(project.token, "POST", `/projects/${project.id}/providers`, {
    id: "okta", name: "Okta", kind: "okta", issuer: `${emulatorOrigin}/okta/oauth2/default`, clientId: okta.clientId, clientSecret: okta.clientSecret,
    exchange: { audiences: ["api://default"], clientIds: [okta.clientId] },
  });
  if (provider.status !== 201) throw new Error(`okta provider: ${provider.status} ${JSON.stringify(provider.body)}`);
  return project;
}
