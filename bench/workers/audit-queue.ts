/**
 * Benchmark fixture, not product code: a stand-in for the audit queue (wrangler.toml `AUDIT_QUEUE`,
 * src/security/audit-queue.ts), which `workerd serve`'s config has no binding type for (Miniflare
 * builds queues from its own broker object). The producer keeps messages in isolate memory; a batch
 * of up to 100 (wrangler.toml's max_batch_size), or whatever waited 2 s (max_batch_timeout), goes to
 * the product's own `queue()` handler in the background of the next request, so the consumer's
 * store writes and CPU are in the figures, batched as on Cloudflare. A retried message goes back to
 * the buffer. What it does not reproduce is the cost of the platform's call to its queue service.
 */
const MAX_BATCH = 100;
const MAX_WAIT_MS = 2_000;

interface Pending {
  id: string;
  body: unknown;
  timestamp: Date;
  attempts: number;
}

export interface LocalQueue {
  binding: Queue<unknown>;
  /** A due batch, handed to `consume` (the Worker's queue handler); null when none is due. */
  deliverDue(consume: (batch: MessageBatch<unknown>) => Promise<void>): Promise<void> | null;
  /** Messages sent, batches handed to the consumer, and messages sent and not yet settled. */
  stats(): { sent: number; batches: number; backlog: number };
}

export function localQueue(name: string): LocalQueue {
  const buffer: Pending[] = [];
  let next = 0;
  let inFlight = 0;
  let batches = 0;
  const push = (body: unknown): void => {
    buffer.push({ id: `bench-${++next}`, body, timestamp: new Date(), attempts: 1 });
  };
  const binding = {
    async send(body: unknown) { push(body); },
    async sendBatch(messages: Iterable<{ body: unknown }>) { for (const m of messages) push(m.body); },
  } as unknown as Queue<unknown>;

  return {
    binding,
    stats: () => ({ sent: next, batches, backlog: buffer.length + inFlight }),
    deliverDue(consume) {
      const oldest = buffer[0];
      if (!oldest || (buffer.length < MAX_BATCH && Date.now() - oldest.timestamp.getTime() < MAX_WAIT_MS)) return null;
      const taken = buffer.splice(0, MAX_BATCH);
      inFlight += taken.length;
      batches += 1;
      const settled = new Set<string>();
      const retry = (p: Pending): void => { if (!settled.has(p.id)) { settled.add(p.id); buffer.push({ ...p, attempts: p.attempts + 1 }); } };
      const messages = taken.map((p) => ({
        id: p.id, timestamp: p.timestamp, body: p.body, attempts: p.attempts,
        ack: () => { settled.add(p.id); },
        retry: () => retry(p),
      }));
      const batch = {
        queue: name, messages,
        ackAll: () => { for (const p of taken) settled.add(p.id); },
        retryAll: () => { for (const p of taken) retry(p); },
      } as unknown as MessageBatch<unknown>;
      // As on Cloudflare: a handler that throws retries whatever it had not acknowledged.
      return consume(batch).catch(() => batch.retryAll()).finally(() => { inFlight -= taken.length; });
    },
  };
}
