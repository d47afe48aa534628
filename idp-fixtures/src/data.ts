/** Seeded users and registered clients, from ../users.json and ../clients.json, plus clients registered at run time. */
import usersJson from "../users.json";
import clientsJson from "../clients.json";
import type { Client, Tenant, User } from "./types";

const TENANTS: readonly Tenant[] = ["auth0", "okta", "google", "cognito"];

function section(json: unknown, tenant: Tenant, file: string): Record<string, unknown>[] {
  const list = (json as Record<string, unknown> | null)?.[tenant];
  if (!Array.isArray(list)) throw new Error(`idp-fixtures/${file}: "${tenant}" must be an array`);
  return list as Record<string, unknown>[];
}

function str(o: Record<string, unknown>, key: string, file: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw new Error(`idp-fixtures/${file}: "${key}" must be a non-empty string`);
  return v;
}

function parseUser(o: Record<string, unknown>): User {
  const f = "users.json";
  const user: User = {
    id: str(o, "id", f),
    email: str(o, "email", f),
    password: str(o, "password", f),
    emailVerified: o["emailVerified"] === true,
    name: str(o, "name", f),
    groups: Array.isArray(o["groups"]) ? o["groups"].map(String) : [],
  };
  if (typeof o["nickname"] === "string") user.nickname = o["nickname"];
  if (typeof o["username"] === "string") user.username = o["username"];
  if (typeof o["hd"] === "string") user.hd = o["hd"];
  return user;
}

/** Validates a client from clients.json or from the control endpoint. */
export function parseClient(o: Record<string, unknown>): Client {
  const f = "clients.json";
  const client: Client = {
    clientId: str(o, "clientId", f),
    redirectUris: Array.isArray(o["redirectUris"]) ? o["redirectUris"].map(String) : [],
  };
  if (typeof o["clientSecret"] === "string") client.clientSecret = o["clientSecret"];
  if (Array.isArray(o["postLogoutRedirectUris"])) client.postLogoutRedirectUris = o["postLogoutRedirectUris"].map(String);
  if (o["allowLoopbackRedirects"] === true) client.allowLoopbackRedirects = true;
  return client;
}

const users = new Map<Tenant, User[]>(TENANTS.map((t) => [t, section(usersJson, t, "users.json").map(parseUser)]));
const seededClients = new Map<Tenant, Client[]>(
  TENANTS.map((t) => [t, section(clientsJson, t, "clients.json").map(parseClient)]),
);
/** Clients added through POST /__control/clients; dropped by a full reset. */
const registered = new Map<Tenant, Client[]>();

export function usersOf(tenant: Tenant): User[] {
  return users.get(tenant) ?? [];
}

export function findUserByEmail(tenant: Tenant, email: string): User | undefined {
  const wanted = email.trim().toLowerCase();
  return usersOf(tenant).find((u) => u.email.toLowerCase() === wanted || u.username === email.trim());
}

export function findUserById(tenant: Tenant, id: string): User | undefined {
  return usersOf(tenant).find((u) => u.id === id);
}

export function clientsOf(tenant: Tenant): Client[] {
  return [...(registered.get(tenant) ?? []), ...(seededClients.get(tenant) ?? [])];
}

export function findClient(tenant: Tenant, clientId: string): Client | undefined {
  return clientsOf(tenant).find((c) => c.clientId === clientId);
}

export function registerClient(tenant: Tenant, client: Client): void {
  const list = (registered.get(tenant) ?? []).filter((c) => c.clientId !== client.clientId);
  registered.set(tenant, [client, ...list]);
}

export function resetRegisteredClients(): void {
  registered.clear();
}

export function isTenant(v: string): v is Tenant {
  return (TENANTS as readonly string[]).includes(v);
}

/** Exact match against the registered URIs, or any http loopback URI for test clients. */
export function redirectAllowed(client: Client, uri: string, list: string[] = client.redirectUris): boolean {
  if (list.includes(uri)) return true;
  if (!client.allowLoopbackRedirects) return false;
  try {
    const u = new URL(uri);
    return u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost") && u.port !== "";
  } catch {
    return false;
  }
}
