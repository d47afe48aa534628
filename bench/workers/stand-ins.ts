/**
 * Benchmark fixture, not product code: the product's Worker with stand-ins for the bindings that
 * `workerd serve`'s config has no type for: the rate-limit tiers (rate-limiters.ts) and the audit
 * queue (audit-queue.ts), whose due batches go to the product's own queue handler in the background
 * of the next request, as a consumer invocation would on Cloudflare.
 */
import type { Bindings } from "../../src/env";
import { localQueue } from "./audit-queue";
import { localRateLimiters } from "./rate-limiters";

type Handler = Required<Pick<ExportedHandler<Bindings>, "fetch" | "queue">>;

export function withStandIns(worker: Handler) {
  const auditQueue = localQueue("fedgate-audit");
  const envs = new WeakMap<Bindings, Bindings>();
  /** One env object per env, so the product's per-isolate caches (config, store) keep hitting. */
  const productEnv = (env: Bindings): Bindings => {
    let wrapped = envs.get(env);
    if (!wrapped) {
      wrapped = { ...env, ...localRateLimiters(env), AUDIT_QUEUE: auditQueue.binding as Queue<never> };
      envs.set(env, wrapped);
    }
    return wrapped;
  };
  return {
    /** Audit messages sent, batches delivered and the backlog, since the isolate started. */
    auditStats: auditQueue.stats,
    fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
      const product = productEnv(env);
      const delivery = auditQueue.deliverDue((batch) => Promise.resolve(worker.queue(batch as MessageBatch<never>, product, ctx)));
      if (delivery) ctx.waitUntil(delivery);
      return worker.fetch(request as Parameters<Handler["fetch"]>[0], product, ctx);
    },
  };
}
