/** Picks the store adapter a deployment is configured for. */
import type { Config } from "../config";
import { DurableObjectStore, type StoreObject } from "./durable-object";
import type { Store } from "./store";
import { UpstashStore } from "./upstash";

export interface StoreBindings {
  STORE: DurableObjectNamespace<StoreObject>;
}

let cached: { key: object | string; store: Store } | undefined;

/** Upstash when its credentials are set, else the embedded Durable Object store; one per isolate. */
export function openStore(config: Config, env: StoreBindings): Store {
  const key = config.upstash ? `${config.upstash.url}\n${config.upstash.token}` : env.STORE;
  if (cached?.key !== key) {
    cached = { key, store: config.upstash ? new UpstashStore(config.upstash) : new DurableObjectStore(env.STORE) };
  }
  return cached.store;
}
