/**
 * The Worker entry: HTTP requests go to the Hono app; the cron trigger runs the signing-key
 * rotation check; the audit queue's batches are written to the store (security/audit-queue.ts).
 * The store's Durable Object class is exported for its binding.
 */
import { createApp } from "./app";
import { services } from "./context";
import type { Bindings } from "./env";
import { createLogger, describeError } from "./log";
import { consumeAuditBatch } from "./security/audit-queue";

export { StoreObject } from "./store/durable-object";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    const { config, store } = services(env);
    await consumeAuditBatch(batch, store, createLogger(config.logLevel, { queue: batch.queue }));
  },

  async scheduled(controller, env) {
    const log = createLogger("info", { cron: controller.cron });
    try {
      const report = await services(env).signingKeys.rotate("scheduled");
      log.info("signing key rotation check", { promoted: report.promoted, keys: report.keys.map((k) => `${k.kid}:${k.state}`) });
    } catch (error) {
      log.error("signing key rotation check failed", describeError(error));
      throw error;
    }
  },
} satisfies ExportedHandler<Bindings>;
