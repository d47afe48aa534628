/**
 * The request context every handler sees: typed bindings, and the request-scoped values that the
 * `requestContext` middleware sets (config, store, signing keys, logger, request id).
 */
import type { MiddlewareHandler } from "hono";
import { configOf, type Config } from "./config";
import { errorResponse } from "./error-response";
import { createLogger, type Logger } from "./log";
import { Sealer } from "./security/encryption";
import { metered, type StoreMeter } from "./store/metered";
import { openStore, type StoreBindings } from "./store/open";
import type { Store } from "./store/store";
import { SigningKeys, keyCacheFor, keyPolicy } from "./tokens/keys";

export interface Bindings extends StoreBindings {
  [variable: string]: unknown;
}

export interface AppEnv {
  Bindings: Bindings;
}

declare module "hono" {
  /** Request-scoped values: the services, plus the request's id and logger. */
  interface ContextVariableMap extends Services {
    requestId: string;
    log: Logger;
  }
}

/** The services a request or a scheduled run works with. */
export interface Services {
  config: Config;
  store: Store;
  storeMeter: StoreMeter;
  /** The store for work after the response (waitUntil), metered apart. */
  backgroundStore: Store;
  backgroundMeter: StoreMeter;
  keys: SigningKeys;
}

/** Builds the services over the configured store; nothing here does IO. */
export function services(env: Bindings): Services {
  const config = configOf(env);
  const backend = openStore(config, env);
  const storeMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const store = metered(backend, storeMeter);
  const backgroundMeter: StoreMeter = { roundTrips: 0, ms: 0 };
  const backgroundStore = metered(backend, backgroundMeter);
  const keys = new SigningKeys({ store, cache: keyCacheFor(backend), sealer: new Sealer(config.encryptionKey), policy: keyPolicy(config) });
  return { config, store, storeMeter, backgroundStore, backgroundMeter, keys };
}

/**
 * Gives each request an id (response header `X-Request-Id`, every log line), its services, and
 * one access-log line; adds `Server-Timing` for the store when configured.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = crypto.randomUUID();
    const started = performance.now();
    c.set("requestId", requestId);
    // Until the config parses, log at info so that a misconfiguration is reported.
    c.set("log", createLogger("info", { requestId }));
    let meter: StoreMeter | undefined;
    try {
      const { config, store, storeMeter, backgroundStore, backgroundMeter, keys } = services(c.env);
      meter = storeMeter;
      c.set("config", config);
      c.set("store", store);
      c.set("storeMeter", storeMeter);
      c.set("backgroundStore", backgroundStore);
      c.set("backgroundMeter", backgroundMeter);
      c.set("keys", keys);
      c.set("log", createLogger(config.logLevel, { requestId }));
    } catch (error) {
      c.res = errorResponse(error, c);
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
