// Test-only HTTP server speaking the Upstash Redis REST protocol, backed by a real
// redis-server via ioredis, so `@upstash/redis` (in workerd or Node) hits real Redis.
// Only erasable TypeScript syntax is used, so Node 24 can run this file directly.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import IORedis from "ioredis";

// ioredis is CommonJS: its default export works under both Node and Vite's module loader.
const { Redis, ReplyError } = IORedis as unknown as { Redis: typeof IORedis; ReplyError: new (...args: never[]) => Error };

export interface UpstashBridgeOptions {
  redisUrl?: string; // default redis://127.0.0.1:6379
  db?: number; // default: the URL's db, else 0
  port?: number; // default 0 = a random free port
  token?: string; // default: random
}

export interface UpstashBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

interface Prepared {
  name: string;
  args: string[];
  /** Post-processes the raw reply (used to hide script rewriting from the client). */
  fix?: (reply: unknown) => unknown;
}

const MAX_BODY = 10 * 1024 * 1024; // -> 413
const OK = Buffer.from("OK");
// These change per-connection state; on a shared connection they would leak into other requests.
const REJECTED = new Set([
  ..."SELECT SWAPDB MULTI EXEC DISCARD WATCH UNWATCH RESET HELLO AUTH QUIT".split(" "),
  ..."SUBSCRIBE PSUBSCRIBE SSUBSCRIBE MONITOR".split(" "),
]);

const sha1 = (s: string): string => createHash("sha1").update(s).digest("hex");

/** A Redis error reply (or a command the bridge refuses): per-command error in pipelines, else 400. */
class CommandError extends Error {}
/** Any other ioredis error (connection closed, stream not writable, ...) means Redis is unreachable. */
class BackendDown extends Error {}
class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startUpstashBridge(options: UpstashBridgeOptions = {}): Promise<UpstashBridge> {
  const token = options.token ?? randomBytes(18).toString("base64url");
  const redis = new Redis(options.redisUrl ?? "redis://127.0.0.1:6379", {
    ...(options.db !== undefined ? { db: options.db } : {}),
    lazyConnect: true,
    // Fail fast instead of queueing while Redis is down, so the bridge can answer 503 quickly.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  redis.on("error", () => {}); // connection errors surface per request as 503; avoid ioredis' console noise
  // A down Redis is not fatal: ioredis keeps reconnecting and requests get 503 meanwhile.
  await redis.connect().catch(() => {});

  // SHA1(original script) -> SHA1(script as sent to Redis), for scripts we had to rewrite.
  const shaMap = new Map<string, string>();
  const mapSha = (sha: string): string => shaMap.get(sha.toLowerCase()) ?? sha;

  // Redis 7.0 rejects the Upstash-only `allow-key-locking` shebang flag (some Upstash scripts carry it).
  function rewriteScript(script: string): string {
    const nl = script.indexOf("\n");
    const first = nl === -1 ? script : script.slice(0, nl);
    if (!first.startsWith("#!lua") || !/\ballow-key-locking\b/.test(first)) return script;
    const tokens = first.slice(5).trim().split(/\s+/).filter(Boolean).flatMap((t) => {
      if (!t.startsWith("flags=")) return [t];
      const flags = t.slice(6).split(",").filter((f) => f && f !== "allow-key-locking");
      return flags.length ? [`flags=${flags.join(",")}`] : [];
    });
    // Keep the newline so Lua error line numbers still match the original script.
    const rewritten = (tokens.length ? `#!lua ${tokens.join(" ")}` : "") + (nl === -1 ? "" : script.slice(nl));
    shaMap.set(sha1(script), sha1(rewritten));
    return rewritten;
  }

  function prepare(cmd: unknown): Prepared {
    const scalar = (a: unknown) => ["string", "number", "boolean"].includes(typeof a);
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every(scalar)) {
      throw new HttpError(400, "ERR a command must be a non-empty array of strings/numbers");
    }
    const name = String(cmd[0]).toUpperCase(); // upper case also bypasses ioredis' hgetall->object transform
    const args = cmd.slice(1).map(String);
    if (REJECTED.has(name)) throw new CommandError(`ERR ${name} is not supported by the upstash bridge`);
    if (name === "FLUSHALL") return { name: "FLUSHDB", args }; // never wipe other dbs (a developer's db 0)
    if ((name === "EVAL" || name === "EVAL_RO") && args[0] !== undefined) args[0] = rewriteScript(args[0]);
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[0] !== undefined) args[0] = mapSha(args[0]);
    const sub = args[0]?.toUpperCase();
    if (name === "SCRIPT" && sub === "LOAD" && args[1] !== undefined) {
      const original = sha1(args[1]);
      args[1] = rewriteScript(args[1]);
      return { name, args, fix: () => Buffer.from(original) }; // the client expects the SHA of what it sent
    }
    if (name === "SCRIPT" && sub === "EXISTS") return { name, args: [args[0]!, ...args.slice(1).map(mapSha)] };
    return { name, args };
  }

  const fixed = (p: Prepared, reply: unknown): unknown => (p.fix ? p.fix(reply) : reply);

  async function run(cmd: unknown): Promise<unknown> {
    try {
      const p = prepare(cmd);
      return fixed(p, await redis.callBuffer(p.name, ...p.args));
    } catch (err) {
      throw classify(err);
    }
  }

  // Errors thrown from here are already classified (see the status mapping in createServer).
  async function handle(path: string, body: unknown, b64: boolean): Promise<unknown> {
    if (path === "/") return { result: encode(await run(body), b64, true) };
    if (!Array.isArray(body) || body.length === 0) throw new HttpError(400, "ERR expected an array of commands");
    if (path === "/pipeline") {
      // Not atomic: commands are sent back to back; each gets its own result or error.
      const settled = await Promise.allSettled(body.map(run));
      const fatal = settled.find((s) => s.status === "rejected" && !(s.reason instanceof CommandError));
      if (fatal?.status === "rejected") throw fatal.reason;
      return settled.map((s) =>
        s.status === "fulfilled" ? { result: encode(s.value, b64, true) } : { error: (s.reason as Error).message },
      );
    }
    // /multi-exec: ioredis writes MULTI..EXEC as one block, so other requests cannot interleave.
    const prepared = body.map(prepare);
    const tx = redis.multi();
    for (const p of prepared) tx.callBuffer(p.name, ...p.args);
    const out = await tx.exec().catch((err: unknown) => Promise.reject(classify(err))); // e.g. EXECABORT -> 400
    if (!out) throw new CommandError("EXECABORT transaction aborted");
    return out.map(([err, reply], i) =>
      err ? { error: err.message } : { result: encode(fixed(prepared[i]!, reply), b64, true) },
    );
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof CommandError ? 400 : 500;
      const message = err instanceof Error ? err.message : String(err);
      send(res, err instanceof BackendDown ? 503 : status, { error: message });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/(.)\/+$/, "$1");
    if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, "Unauthorized");
    if (req.method !== "POST") throw new HttpError(405, "Method Not Allowed");
    if (!["/", "/pipeline", "/multi-exec"].includes(path)) throw new HttpError(404, `Not Found: ${path}`);
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new HttpError(400, `ERR invalid JSON body: ${(err as Error).message}`);
    }
    if (redis.status !== "ready") throw new BackendDown(`Redis unavailable: connection is ${redis.status}`);
    const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    send(res, 200, await handle(path, body, b64));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  server.on("error", () => {}); // after startup, never let a server error crash the test process
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // drop keep-alive sockets so vitest can exit promptly
      await redis.quit().catch(() => redis.disconnect());
      await closed;
    },
  };
}

function classify(err: unknown): Error {
  if (err instanceof CommandError || err instanceof HttpError) return err;
  if (err instanceof ReplyError) {
    const { message, previousErrors: previous } = err as Error & { previousErrors?: Error[] }; // EXECABORT causes
    return new CommandError(previous?.length ? `${message} (${previous.map((e) => e.message).join("; ")})` : message);
  }
  return new BackendDown(`Redis unavailable: ${err instanceof Error ? err.message : String(err)}`);
}

/** RESP reply -> JSON. With base64 encoding every string is base64 except a top-level "OK". */
function encode(reply: unknown, b64: boolean, top: boolean): unknown {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((r) => encode(r, b64, false));
  const buf = Buffer.isBuffer(reply) ? reply : Buffer.from(reply instanceof Error ? reply.message : String(reply));
  if (!b64) return buf.toString("utf8");
  // ioredis cannot tell status from bulk replies; harmless, the client decodes both to "OK".
  // Inside arrays the client base64-decodes every string, so "OK" must be encoded there.
  return top && buf.equals(OK) ? "OK" : buf.toString("base64");
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => reject(new HttpError(413, "ERR request body too large"));
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk); // keep draining past the limit so we can still answer 413
    });
    req.on("end", () => (size > MAX_BODY ? tooLarge() : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(payload);
  // On 413 the rest of the body may still be in flight; closing avoids reading it.
  res.writeHead(status, { "content-type": "application/json", ...(status === 413 ? { connection: "close" } : {}) });
  res.end(body);
}
