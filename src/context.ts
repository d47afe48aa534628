/**
 * The request context: builds the services over the configured store, and the `requestContext`
 * middleware that puts them, a request id and a logger on every request (types in env.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { configOf } from "./config";
import type { AppEnv, Bindings, Services } from "./env";
import { createLogger } from "./log";
import { Sealer } from "./security/encryption";
import { metered, type StoreMeter } from "./store/metered";
import { openStore } from "./store/open";
import { SigningKeys, keyCacheFor, keyPolicy } from "./tokens/signing-keys";

/** Builds the services over the configured store; nothing here does IO. */
export function services(env: Bindings): Services {
  const config = configOf(env);
  const backend = openStore(config, env);
  const storeMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const store = metered(backend, storeMeter);
  const backgroundMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const backgroundStore = metered(backend, backgroundMeter);
  const signingKeys = new SigningKeys({ store, cache: keyCacheFor(backend), sealer: new Sealer(config.encryptionKey), policy: keyPolicy(config) });
  return { config, store, storeMeter, backgroundStore, backgroundMeter, signingKeys };
}

/**
 * Gives each request an id (response header `X-Request-Id`, every log line), its services, and
 * one access-log line; adds `Server-Timing` for the store when configured.
 */
export function requestContext(options: { onError: (error: unknown, c: Context<AppEnv>) => Response }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = crypto.randomUUID();
    const started = performance.now();
    c.set("requestId", requestId);
    // Until the config parses, log at info so that a misconfiguration is reported.
    c.set("log", createLogger("info", { requestId }));
    let meter: StoreMeter | undefined;
    try {
      const built = services(c.env);
      meter = built.storeMeter;
      for (const [name, value] of Object.entries(built) as [keyof Services, Services[keyof Services]][]) c.set(name, value);
      c.set("log", createLogger(built.config.logLevel, { requestId }));
    } catch (error) {
      // A configuration that does not parse: answered here, since no handler can run without services.
      c.res = options.onError(error, c);
    }
    if (meter) await next();

    c.header("X-Request-Id", requestId);
    if (meter && c.var.config.serverTiming) {
      const background = c.var.backgroundMeter.roundTrips;
      c.header("Server-Timing", `store;dur=${meter.ms.toFixed(1)};desc="${meter.roundTrips} round trips"${background ? `, store-background;desc="${background} after the response"` : ""}`);
    }
    c.var.log.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      storeRoundTrips: meter?.roundTrips,
      ray: c.req.header("cf-ray"),
    });
  };
}
