/**
 * Benchmark fixture, not product code: the scale suite of `npm run bench` (bench/scale.mjs). The real
 * Worker (src/index.ts) over a `STORE` binding that counts, per Durable Object, the calls the store
 * makes (object-calls.ts), plus fixture-only routes under /__scale/:
 *
 *   GET  /__scale/idp/.well-known/openid-configuration, GET /__scale/idp/jwks
 *                                   an upstream OpenID provider whose only key is the public JWK in
 *                                   SCALE_IDP_JWK (the harness holds the private key and mints the
 *                                   subject tokens), issuer `<origin>/__scale/idp`
 *   POST /__scale/seed              body { projectId, providerId, domain, from, count }: users for upstream
 *                                   subjects u<from> … u<from+count-1> (email u<i>@<domain>, verified),
 *                                   each written by the real saveUser as a first sign-in writes it (with
 *                                   its external-identity and email indexes), SEED_PARALLEL at once:
 *                                   { created, ms }
 *   GET  /__scale/user?project=&provider=&subject=
 *                                   the user linked to that upstream subject: { userId, email }, else 404
 *   GET  /__scale/calls             store calls per Durable Object name since the last reset:
 *                                   { objects: { <name>: { reads, writes } } }
 *   POST /__scale/calls/reset       starts counting afresh
 *
 * Every other request goes to the product's handler with the same (counting) env, plus the token suite's
 * stand-ins for the rate-limit bindings and the audit queue, which `workerd serve` cannot configure
 * (stand-ins.ts): audit events reach their hourly partitions in batches, as through the queue.
 */
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { services } from "../../src/context";
import { findUserByExternalId, saveUser, type User } from "../../src/identity/users";
import { newUserId } from "../../src/ids";
import { countingNamespace, objectCalls, resetObjectCalls } from "./object-calls";
import { withStandIns } from "./stand-ins";

// The runtime instantiates the store's Durable Object class from the Worker's exports.
export { StoreObject } from "../../src/store/durable-object";

/** User writes in flight at once while seeding. */
const SEED_PARALLEL = 256;
/** Bounds one /__scale/seed call; the harness seeds in chunks. */
const MAX_SEED = 50_000;

const envs = new WeakMap<object, Bindings>();
/** The env with its STORE namespace counting calls; one per env object, so configOf and openStore keep their per-isolate caches. */
function countedEnv(env: Bindings): Bindings {
  let counted = envs.get(env);
  if (!counted) {
    const store = countingNamespace(env.STORE);
    counted = new Proxy(env, { get: (target, prop) => (prop === "STORE" ? store : (target as unknown as Record<PropertyKey, unknown>)[prop]) });
    envs.set(env, counted);
  }
  return counted;
}

function discovery(issuer: string): Response {
  return Response.json({
    issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["ES256"],
  });
}

interface SeedInput {
  projectId: string;
  providerId: string;
  domain: string;
  from: number;
  count: number;
}

function seedInput(body: unknown): SeedInput | null {
  if (typeof body !== "object" || body === null) return null;
  const { projectId, providerId, domain, from, count } = body as Record<string, unknown>;
  if (typeof projectId !== "string" || typeof providerId !== "string" || typeof domain !== "string") return null;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > MAX_SEED) return null;
  return { projectId, providerId, domain, from: from as number, count: count as number };
}

/**
 * Writes `count` new users as a first sign-in's resolveUser writes them (saveUser of a new user), without its
 * lookups: the seeding measures where user writes go, and runs at the store's write rate.
 */
async function seed(env: Bindings, input: SeedInput): Promise<Response> {
  const { store } = services(env);
  const t0 = Date.now();
  let created = 0;
  const write = async (i: number): Promise<void> => {
    const at = new Date().toISOString();
    const user: User = {
      id: newUserId(), projectId: input.projectId, email: `u${i}@${input.domain}`, emailVerified: true, name: `Scale User ${i}`,
      externalIds: [{ providerId: input.providerId, subject: `u${i}` }], disabled: false, createdAt: at, updatedAt: at,
    };
    const written = await saveUser(store, user);
    if (!written.ok) throw new Error(`u${i}: conflict on ${written.conflict}`);
    created += 1;
  };
  const end = input.from + input.count;
  for (let start = input.from; start < end; start += SEED_PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(SEED_PARALLEL, end - start) }, (_, k) => write(start + k)));
  }
  return Response.json({ created, ms: Date.now() - t0 });
}

async function scale(request: Request, env: Bindings, url: URL): Promise<Response> {
  const route = `${request.method} ${url.pathname}`;
  const issuer = `${url.origin}/__scale/idp`;
  if (route === "GET /__scale/idp/.well-known/openid-configuration") return discovery(issuer);
  if (route === "GET /__scale/idp/jwks") {
    const jwk = (env as unknown as Record<string, unknown>)["SCALE_IDP_JWK"];
    if (typeof jwk !== "string") return new Response("SCALE_IDP_JWK is not set", { status: 500 });
    return Response.json({ keys: [JSON.parse(jwk)] });
  }
  if (route === "POST /__scale/seed") {
    const input = seedInput(await request.json().catch(() => null));
    if (!input) return new Response(`body: { projectId, providerId, domain, from, count (1-${MAX_SEED}) }`, { status: 400 });
    return seed(env, input);
  }
  if (route === "GET /__scale/user") {
    const q = (name: string) => url.searchParams.get(name) ?? "";
    const user = await findUserByExternalId(services(env).store, q("project"), { providerId: q("provider"), subject: q("subject") });
    return user ? Response.json({ userId: user.id, email: user.email }) : new Response("no user linked to that subject", { status: 404 });
  }
  if (route === "GET /__scale/calls") return Response.json({ objects: objectCalls() });
  if (route === "POST /__scale/calls/reset") {
    resetObjectCalls();
    return new Response(null, { status: 204 });
  }
  return new Response("not found", { status: 404 });
}

const product = withStandIns(worker);

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    const counted = countedEnv(env);
    if (url.pathname.startsWith("/__scale/")) return scale(request, counted, url);
    return product.fetch(request, counted, ctx);
  },
  scheduled: (controller, env) => worker.scheduled(controller, countedEnv(env)),
} satisfies ExportedHandler<Bindings>;
