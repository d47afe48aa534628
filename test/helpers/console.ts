/**
 * The admin console under test: an operator project with a provider at the Auth0 emulator (users
 * linked by subject, none created on sign-in), the console's public client, and pre-provisioned
 * users whose roles each test chooses. Requests carry the deployment's CONSOLE_* settings as env
 * overrides (`call(…, { env })`), since the ids exist only once the setup made them.
 */
import { env } from "cloudflare:workers";
import { api, issuers, newProject, operator } from "./admin";
import { pkce } from "./signin";
import { call, ISSUER } from "./worker";

export const SESSION_COOKIE = "__Host-fedgate-console";
export const LOGIN_COOKIE = "__Host-fedgate-console-login";
/** A second redirect URI of the console's client, so a test can redeem a code itself and hold the access token. */
export const TEST_REDIRECT = "https://console-test.example/callback";

/** The Auth0 emulator's users (idp-fixtures/users.json). */
export const PEOPLE = {
  alice: { email: "alice@auth0.example", password: "alice-password", subject: "auth0|65f0c2a1b2c3d4e5f6a7b801" },
  ulrich: { email: "ulrich@auth0.example", password: "ulrich-password", subject: "auth0|65f0c2a1b2c3d4e5f6a7b802" },
  walt: { email: "walt@workspace.example", password: "walt-password", subject: "auth0|65f0c2a1b2c3d4e5f6a7b803" },
};
export type Person = (typeof PEOPLE)[keyof typeof PEOPLE];

export interface ConsoleSetup {
  project: { id: string; token: string };
  clientId: string;
  env: Record<string, string>;
  /** The operator-project user of each person, by name. */
  users: Record<keyof typeof PEOPLE, string>;
}

let counter = 0;

/** The operator project, its provider and console client, and one user per person with `roles`. */
export async function setUpConsole(roles: Partial<Record<keyof typeof PEOPLE, string[]>>, settings: Record<string, string> = {}): Promise<ConsoleSetup> {
  const project = await newProject("Operators");
  const upstreamClientId = `fedgate-console-${Date.now().toString(36)}-${counter++}`;
  const registered = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/clients`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ provider: "auth0", clientId: upstreamClientId, clientSecret: "upstream-test-secret", redirectUris: [`${ISSUER}/auth/callback/auth0`] }),
  });
  if (!registered.ok) throw new Error(`emulator client registration failed: ${await registered.text()}`);
  const provider = await api(project.token, "POST", `/projects/${project.id}/providers`, {
    id: "auth0", name: "Auth0", kind: "auth0", issuer: issuers.auth0, clientId: upstreamClientId, clientSecret: "upstream-test-secret", linkBy: "subject", createUsers: false,
  });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${JSON.stringify(provider.body)}`);
  const client = await api(project.token, "POST", `/projects/${project.id}/clients`, {
    name: "Fedgate console", kind: "public", redirectUris: [`${ISSUER}/console/callback`, TEST_REDIRECT], providerId: "auth0",
    grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
  });
  if (client.status !== 201) throw new Error(`console client: ${client.status} ${JSON.stringify(client.body)}`);
  const users = {} as Record<keyof typeof PEOPLE, string>;
  for (const [name, person] of Object.entries(PEOPLE) as [keyof typeof PEOPLE, Person][]) {
    const user = await operator("POST", `/projects/${project.id}/users`, {
      email: person.email, externalIds: [{ providerId: "auth0", subject: person.subject }], ...(roles[name] ? { roles: roles[name] } : {}),
    });
    if (user.status !== 201) throw new Error(`user ${name}: ${user.status} ${JSON.stringify(user.body)}`);
    users[name] = user.body.id;
  }
  const clientId = client.body.client.id as string;
  return { project, clientId, users, env: { CONSOLE_PROJECT_ID: project.id, CONSOLE_CLIENT_ID: clientId, ...settings } };
}

/** `name=value` of the Set-Cookie for `name`, or undefined. */
export function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
}
const pair = (cookie: string | undefined) => cookie?.split(";")[0];

/** Follows an authorization request (already at Fedgate) through the emulator back to Fedgate's callback; returns where that sent the browser. */
async function throughUpstream(authorize: string, person: Person, testEnv: Record<string, string>): Promise<URL> {
  const started = await call(authorize, { redirect: "manual", env: testEnv });
  if (started.status !== 303) throw new Error(`authorize answered ${started.status}: ${await started.text()}`);
  const upstream = new URL(started.headers.get("Location")!);
  upstream.searchParams.set("login_hint", person.email);
  upstream.searchParams.set("test_password", person.password);
  const atProvider = await fetch(upstream, { redirect: "manual" });
  const back = atProvider.headers.get("Location");
  if (!back?.startsWith(`${ISSUER}/auth/callback/`)) throw new Error(`the emulator answered ${atProvider.status} ${back}`);
  const binding = started.headers.get("Set-Cookie")!.split(";")[0]!;
  const callback = await call(back.slice(ISSUER.length), { redirect: "manual", headers: { Cookie: binding }, env: testEnv });
  if (callback.status !== 303) throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  return new URL(callback.headers.get("Location")!);
}

/** Signs `person` in to the console over HTTP; the session cookie (`name=value`) and the final response. */
export async function signInToConsole(setup: Pick<ConsoleSetup, "env">, person: Person, returnTo?: string): Promise<{ cookie: string; response: Response }> {
  const login = await call(`/console/login${returnTo ? `?return=${encodeURIComponent(returnTo)}` : ""}`, { redirect: "manual", env: setup.env });
  const loginCookie = pair(setCookie(login, LOGIN_COOKIE))!;
  const back = await throughUpstream(login.headers.get("Location")!, person, setup.env);
  const response = await call(`${back.pathname}${back.search}`, { redirect: "manual", headers: { Cookie: loginCookie }, env: setup.env });
  const cookie = pair(setCookie(response, SESSION_COOKIE));
  if (!cookie) throw new Error(`no session: ${response.status} ${await response.text()}`);
  return { cookie, response };
}

/** A console access token held by the test: the OAuth flow of the console's client, redeemed at TEST_REDIRECT. */
export async function consoleAccessToken(setup: ConsoleSetup, person: Person): Promise<string> {
  const { verifier, challenge } = await pkce();
  const params = new URLSearchParams({
    response_type: "code", client_id: setup.clientId, redirect_uri: TEST_REDIRECT, scope: "openid email profile", state: "s", nonce: "n",
    code_challenge: challenge, code_challenge_method: "S256",
  });
  const back = await throughUpstream(`/oauth2/authorize?${params}`, person, setup.env);
  const token = await call("/oauth2/token", {
    method: "POST", env: setup.env,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: back.searchParams.get("code")!, redirect_uri: TEST_REDIRECT, code_verifier: verifier, client_id: setup.clientId }).toString(),
  });
  const body = (await token.json()) as { access_token: string };
  return body.access_token;
}

/** A console page with the session. */
export function page(setup: Pick<ConsoleSetup, "env">, cookie: string, path: string): Promise<Response> {
  return call(path, { redirect: "manual", headers: { Cookie: cookie }, env: setup.env });
}

/** The value of a form field `name` in a page, as a browser would post it (attribute entities decoded). */
export function fieldValue(html: string, name: string): string {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  if (raw === undefined) throw new Error(`no field ${name} on the page`);
  return raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The CSRF token in a page's forms. */
export const csrfOf = (html: string): string => fieldValue(html, "csrf");

/** Posts a console form as a same-origin browser would. */
export function post(setup: Pick<ConsoleSetup, "env">, cookie: string, path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return call(path, {
    method: "POST", redirect: "manual", env: setup.env, body: body.toString(),
    // A header given as "" is left out (a browser that sends no Sec-Fetch-Site).
    headers: Object.fromEntries(
      Object.entries({ Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", Origin: ISSUER, ...headers }).filter(([, value]) => value !== ""),
    ),
  });
}
