/**
 * The Worker entry: HTTP requests go to the Hono app; the cron trigger runs the signing-key
 * rotation check and re-checks the next DNS-verified domain claims (federation/domain-recheck.ts);
 * the audit queue's batches are written to the store (security/audit-queue.ts), the logout queue's
 * delivered to the apps (sessions/backchannel-logout.ts).
 * The store's Durable Object class is exported for its binding.
 */
import { createApp } from "./app";
import { services } from "./context";
import type { Bindings } from "./env";
import { recheckDnsProofs } from "./federation";
import { createLogger, describeError } from "./log";
import { consumeAuditBatch } from "./security/audit-queue";
import { deliverBackchannelLogouts, LOGOUT_QUEUE_NAME } from "./sessions/backchannel-logout";

export { StoreObject } from "./store/durable-object";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    const built = services(env);
    const log = createLogger(built.config.logLevel, { queue: batch.queue });
    if (batch.queue === LOGOUT_QUEUE_NAME) {
      const firstRetryS = env.LOGOUT_RETRY_DELAY_S ? Number(env.LOGOUT_RETRY_DELAY_S) : Number.NaN; // tests: 0
      await deliverBackchannelLogouts(batch, built, log, Number.isFinite(firstRetryS) && firstRetryS >= 0 ? firstRetryS : undefined);
      return;
    }
    await consumeAuditBatch(batch, built.store, log);
  },

  async scheduled(controller, env) {
    const log = createLogger("info", { cron: controller.cron });
    const { config, store, signingKeys } = services(env);
    // Each job runs whatever the other does; the run fails (after both) if either did.
    const [rotation, recheck] = await Promise.allSettled([
      signingKeys.rotate("scheduled").then((report) => {
        log.info("signing key rotation check", { promoted: report.promoted, keys: report.keys.map((k) => `${k.kid}:${k.state}`) });
      }),
      recheckDnsProofs(store, config.dohResolverUrl, log).then((report) => {
        log.info("domain DNS re-check", { ...report });
      }),
    ]);
    if (rotation.status === "rejected") log.error("signing key rotation check failed", describeError(rotation.reason));
    if (recheck.status === "rejected") log.error("domain DNS re-check failed", describeError(recheck.reason));
    const failed = [rotation, recheck].find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Bindings>;
