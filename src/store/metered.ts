/**
 * Counts a request's store round trips and the time they take, for `Server-Timing` and the
 * benchmark (PERF.md: "at most one store round trip where one can do").
 */
import type { Store } from "./store";

export interface StoreMeter {
  roundTrips: number;
  ms: number;
}

const operations = [
  "get", "getVersioned", "getManyVersioned", "set", "compareAndSet", "delete", "take", "getByIndex", "increment", "limit", "append", "appendMany", "list", "scan",
] as const satisfies readonly (keyof Store)[];

/** A view of `store` that adds every call to `meter`. */
export function metered(store: Store, meter: StoreMeter): Store {
  const view = {} as Record<(typeof operations)[number], unknown>;
  for (const name of operations) {
    const operation = store[name] as (...args: unknown[]) => Promise<unknown>;
    view[name] = async (...args: unknown[]) => {
      meter.roundTrips += 1;
      const started = performance.now();
      try {
        return await operation.apply(store, args);
      } finally {
        meter.ms += performance.now() - started;
      }
    };
  }
  return view as Store;
}
