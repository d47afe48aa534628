/**
 * Benchmark fixture, not product code: a Worker that seeds and resolves email-domain mappings
 * through the real store adapter (DurableObjectStore over SQLite Durable Objects), so that
 * `npm run bench` can show domain resolution staying flat from 10 to 100,000 mappings without
 * going through the admin API. Served only by `workerd serve` (bench/run.mjs, suite "resolution").
 *
 *   GET  /healthz                                   liveness, for the harness
 *   POST /seed?project=<id>&count=<n>               maps d0.example … d<n-1>.example → "okta"
 *   GET  /resolve?project=<id>&domain=<d>&cache=off readDomainMapping: the store read itself
 *   GET  /resolve?project=<id>&domain=<d>&cache=on  resolveDomain: store read, then isolate cache
 */
import { readDomainMapping, resolveDomain, type DomainMapping } from "../../src/registry/domains";
import { DurableObjectStore, type StoreObject } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import { metered, type StoreMeter } from "../../src/store/metered";
import type { Store } from "../../src/store/store";

// The runtime instantiates the store's Durable Object class from the Worker's exports.
export { StoreObject } from "../../src/store/durable-object";

interface Env {
  STORE: DurableObjectNamespace<StoreObject>;
}

/** Writes in flight at once while seeding: parallel RPCs to the project's one object. */
const SEED_BATCH = 200;

const domainOf = (i: number): string => `d${i}.example`;

/**
 * Writes the mappings the project lacks with `set`, batch by batch, and returns how many it wrote.
 * Idempotent and quick to resume: nothing to do if the last mapping exists, and each batch first
 * reads which of its keys are present (one getManyVersioned).
 */
async function seed(store: Store, projectId: string, count: number): Promise<number> {
  if (count === 0 || (await readDomainMapping(store, projectId, domainOf(count - 1)))) return 0;
  const now = new Date().toISOString();
  let written = 0;
  for (let start = 0; start < count; start += SEED_BATCH) {
    const domains = Array.from({ length: Math.min(SEED_BATCH, count - start) }, (_, i) => domainOf(start + i));
    const present = await store.getManyVersioned(domains.map((domain) => keys.domainMapping(projectId, domain)));
    const missing = domains.filter((_, i) => present[i] === null);
    await Promise.all(
      missing.map((domain) => {
        const mapping: DomainMapping = { domain, projectId, providerId: "okta", createdAt: now, updatedAt: now };
        return store.set(keys.domainMapping(projectId, domain), mapping);
      }),
    );
    written += missing.length;
  }
  return written;
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const project = url.searchParams.get("project") ?? "";
    if (url.pathname === "/healthz") return Response.json({ status: "ok" });

    if (url.pathname === "/seed" && request.method === "POST") {
      const count = Number(url.searchParams.get("count"));
      if (!project || !Number.isSafeInteger(count) || count < 0) return new Response("project and count required", { status: 400 });
      const started = Date.now();
      const written = await seed(new DurableObjectStore(env.STORE), project, count);
      return Response.json({ project, count, written, ms: Date.now() - started });
    }

    if (url.pathname === "/resolve" && request.method === "GET") {
      const domain = url.searchParams.get("domain") ?? "";
      const cache = url.searchParams.get("cache");
      if (!project || !domain || (cache !== "on" && cache !== "off")) return new Response("project, domain, cache=on|off required", { status: 400 });
      // A fresh meter per request, as the main Worker's request context does (src/context.ts).
      const meter: StoreMeter = { roundTrips: 0, ms: 0 };
      const store = metered(new DurableObjectStore(env.STORE), meter);
      const mapping = cache === "on" ? await resolveDomain(store, project, domain) : await readDomainMapping(store, project, domain);
      const headers = { "Server-Timing": `store;dur=${meter.ms.toFixed(1)};desc="${meter.roundTrips} round trips"` };
      return mapping
        ? Response.json({ providerId: mapping.providerId }, { headers })
        : Response.json({ error: "not_found" }, { status: 404, headers });
    }

    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
