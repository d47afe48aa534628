/**
 * Choosing the upstream provider for a sign-in: the client's own provider if it names one, else the
 * email's domain mapping (home realm discovery), from `login_hint` or from the sign-in form; a
 * project may also let people pick from its providers.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { formText } from "../form";
import type { FindSignInRequest, SignInRequest } from "../identity/sign-in";
import { normaliseDomain, resolveDomain } from "../registry/domains";
import { getProject } from "../registry/projects";
import { getProvider, type Provider } from "../registry/providers";
import { Sealer } from "../security/encryption";
import { rateLimit } from "../security/rate-limit";
import * as keys from "../store/keys";
import { signInPage } from "../ui";
import { signInPageError, startUpstreamLogin } from "./login";
import { upstreamServer } from "./upstream";
import { classifyUpstreamFailure } from "./upstream-failure";

/**
 * Where the sign-in form's redirect may lead: the origins of the project's providers'
 * authorization endpoints (CSP `form-action` applies to the redirect after a submission too).
 * Providers keep theirs from the discovery check when they are added; only a record written before
 * that runs discovery here.
 */
async function upstreamOrigins(c: Context<AppEnv>, projectId: string): Promise<string[]> {
  const page = await c.get("store").scan<Provider>(keys.providersPrefix(projectId), { limit: 50 });
  const origins = await Promise.all(page.items.map(({ value }) => value.authorizationOrigin ?? discoveredOrigin(c, value)));
  return [...new Set(origins.filter((origin): origin is string => origin !== undefined))];
}

/** The origin of a provider's authorization endpoint from its discovery document, if it answers. */
async function discoveredOrigin(c: Context<AppEnv>, provider: Provider): Promise<string | undefined> {
  try {
    const endpoint = (await upstreamServer(provider, new Sealer(c.get("config").encryptionKey))).as.authorization_endpoint;
    return endpoint ? new URL(endpoint).origin : undefined;
  } catch (error) {
    if (!classifyUpstreamFailure(error)) throw error; // a bug is a 500 (AB-8)
    return undefined; // an unreachable provider cannot be signed in with anyway
  }
}

/** The provider an email's domain is mapped to in the project, or why there is none. */
async function providerForEmail(c: Context<AppEnv>, projectId: string, email: string): Promise<Provider | string> {
  const at = email.lastIndexOf("@");
  const domain = at > 0 ? normaliseDomain(email.slice(at + 1)) : undefined;
  if (!domain) return "Enter your full work email address, like name@example.com.";
  const mapping = await resolveDomain(c.get("store"), projectId, domain);
  const provider = mapping ? await getProvider(c.get("store"), projectId, mapping.providerId) : null;
  return provider ?? `No sign-in is set up for ${domain}. Ask your administrator to add it.`;
}

/** The providers a project lets people choose from on the sign-in page, if it allows that. */
async function selectableProviders(c: Context<AppEnv>, projectId: string): Promise<{ id: string; name: string }[] | undefined> {
  const project = await getProject(c.get("store"), projectId);
  if (!project?.signIn?.listProviders) return undefined;
  const page = await c.get("store").scan<Provider>(keys.providersPrefix(projectId), { limit: 50 });
  return page.items.map(({ value }) => ({ id: value.id, name: value.name }));
}

async function showSignIn(c: Context<AppEnv>, request: SignInRequest, options: { email?: string; error?: string; status?: number } = {}): Promise<Response> {
  const [project, providers, origins] = await Promise.all([
    getProject(c.get("store"), request.projectId),
    selectableProviders(c, request.projectId),
    upstreamOrigins(c, request.projectId),
  ]);
  return signInPage(c, {
    projectName: project?.name ?? "Fedgate",
    requestId: request.id,
    upstreamOrigins: origins,
    ...(options.email ? { email: options.email } : {}),
    ...(options.error ? { error: options.error } : {}),
    ...(providers ? { providers } : {}),
  }, options.status ?? 200);
}

/** After /oauth2/authorize: straight upstream when the provider is known, else the sign-in page. */
export async function continueSignIn(c: Context<AppEnv>, request: SignInRequest): Promise<Response> {
  if (request.providerId) {
    const provider = await getProvider(c.get("store"), request.projectId, request.providerId);
    if (!provider) throw signInPageError(500, "Sign-in is not set up", "This application's identity provider no longer exists.");
    return startUpstreamLogin(c, request, provider);
  }
  if (request.loginHint?.includes("@")) {
    const provider = await providerForEmail(c, request.projectId, request.loginHint);
    if (typeof provider !== "string") return startUpstreamLogin(c, request, provider);
    return showSignIn(c, request, { email: request.loginHint, error: provider });
  }
  return showSignIn(c, request);
}

/** `POST /auth/signin`: the sign-in form's email (or chosen provider) for a pending request. */
export const signInRoutes = (options: { findRequest: FindSignInRequest }) =>
  new Hono<AppEnv>().post("/signin", rateLimit({ name: "sign-in", limits: (config) => config.rateLimits.signIn }), async (c) => {
    const form = new URLSearchParams(await formText(c.req.raw));
    const request = await options.findRequest(c, form.get("request") ?? "");
    if (!request) {
      throw signInPageError(400, "Sign-in expired", "This sign-in took too long or was already used. Go back to the application and start again.");
    }
    const chosen = form.get("provider");
    if (chosen) {
      const allowed = await selectableProviders(c, request.projectId);
      const provider = allowed?.some((p) => p.id === chosen) ? await getProvider(c.get("store"), request.projectId, chosen) : null;
      if (!provider) return showSignIn(c, request, { error: "Choose one of the listed sign-in options.", status: 400 });
      return startUpstreamLogin(c, request, provider);
    }
    const email = (form.get("email") ?? "").trim().slice(0, 320);
    const provider = await providerForEmail(c, request.projectId, email);
    if (typeof provider === "string") return showSignIn(c, request, { email, error: provider, status: 400 });
    return startUpstreamLogin(c, { ...request, loginHint: email }, provider);
  });
