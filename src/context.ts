/**
 * The request context: builds the services over the configured store, and the `requestContext`
 * middleware that puts them, a request id and a logger on every request (types in env.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { configOf, type Config } from "./config";
import type { AppEnv, Bindings, Services } from "./env";
import { createLogger, type Logger } from "./log";
import { Sealer } from "./security/encryption";
import { metered, type StoreMeter } from "./store/metered";
import { openStore } from "./store/open";
import type { Store } from "./store/store";
import { SigningKeys, keyCacheFor, keyPolicy, type KeyCache, type KeyPolicy } from "./tokens/signing-keys";

/** What does not change between requests of one isolate: built once per env, config and store. */
interface IsolateParts {
  config: Config;
  backend: Store;
  keyCache: KeyCache;
  sealer: Sealer;
  policy: KeyPolicy;
}

const partsByEnv = new WeakMap<object, IsolateParts>();

/** The isolate's parts for `env`, rebuilt only if its config or store changed (both are cached per isolate). */
function isolateParts(env: Bindings): IsolateParts {
  const config = configOf(env);
  const backend = openStore(config, env);
  let parts = partsByEnv.get(env);
  if (parts?.config !== config || parts.backend !== backend) {
    parts = { config, backend, keyCache: keyCacheFor(backend), sealer: new Sealer(config.encryptionKey), policy: keyPolicy(config) };
    partsByEnv.set(env, parts);
  }
  return parts;
}

/** Builds the services over the configured store; nothing here does IO. Only the store meters are per request. */
export function services(env: Bindings): Services {
  const { config, backend, keyCache, sealer, policy } = isolateParts(env);
  const storeMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const store = metered(backend, storeMeter);
  const backgroundMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const backgroundStore = metered(backend, backgroundMeter);
  // Per request only because it reads through this request's metered store; its caches are the isolate's.
  const signingKeys = new SigningKeys({ store, cache: keyCache, sealer, policy });
  return { config, store, storeMeter, backgroundStore, backgroundMeter, signingKeys };
}

/**
 * Gives each request an id (response header `X-Request-Id`, every log line), its services, and
 * one access-log line (built only when the log level writes it); adds `Server-Timing` for the
 * store when configured.
 */
export function requestContext(options: { onError: (error: unknown, c: Context<AppEnv>) => Response }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = crypto.randomUUID();
    const started = performance.now();
    c.set("requestId", requestId);
    // Locals, not c.var: each read of c.var copies every variable into a new object (hono 4).
    let built: Services | undefined;
    let log: Logger;
    try {
      built = services(c.env);
      c.set("config", built.config);
      c.set("store", built.store);
      c.set("storeMeter", built.storeMeter);
      c.set("backgroundStore", built.backgroundStore);
      c.set("backgroundMeter", built.backgroundMeter);
      c.set("signingKeys", built.signingKeys);
      c.set("log", (log = createLogger(built.config.logLevel, { requestId })));
    } catch (error) {
      // A configuration that does not parse: logged at info, so that it is reported, and answered
      // here, since no handler can run without services.
      c.set("log", (log = createLogger("info", { requestId })));
      c.res = options.onError(error, c);
    }
    if (built) await next();

    c.header("X-Request-Id", requestId);
    const meter = built?.storeMeter;
    if (meter && built!.config.serverTiming) {
      const background = built!.backgroundMeter.roundTrips;
      c.header("Server-Timing", `store;dur=${meter.ms.toFixed(1)};desc="${meter.roundTrips} round trips"${background ? `, store-background;desc="${background} after the response"` : ""}`);
    }
    if (!log.enabled("info")) return;
    log.info("request", {
      method: c.req.method,
      // A setup link's token is its path: it is a credential, so it stays out of the log.
      path: c.req.path.replace(/^\/setup\/(?!return\/)[^/]+/, "/setup/<token>"),
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      storeRoundTrips: meter?.roundTrips,
      ray: c.req.header("cf-ray"),
    });
  };
}
