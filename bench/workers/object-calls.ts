/**
 * Benchmark fixture, not product code: counts the calls the store makes to each Durable Object, by
 * wrapping the `STORE` namespace binding handed to the Worker (no hook in src/). Every method call on
 * a stub is one store round trip to one object; calls are attributed to the name the stub was made
 * from (`idFromName` or `getByName`) and sorted into reads and writes by the method's name.
 */

/** Per object name: calls since the isolate started or the last reset, and per StoreObject method. */
export interface ObjectCalls {
  reads: number;
  writes: number;
  methods: Record<string, number>;
}

const calls = new Map<string, ObjectCalls>();

/** StoreObject methods that only read (getMany, getByIndex, list, scan, …); every other method writes. */
const READ_METHOD = /^(get|list|scan|read|find|has|count|peek)/i;

function count(name: string, method: string): void {
  let entry = calls.get(name);
  if (!entry) calls.set(name, (entry = { reads: 0, writes: 0, methods: {} }));
  entry.methods[method] = (entry.methods[method] ?? 0) + 1;
  if (READ_METHOD.test(method)) entry.reads += 1;
  else entry.writes += 1;
}

/** The counts so far, by object name. */
export function objectCalls(): Record<string, ObjectCalls> {
  return Object.fromEntries(calls);
}

/** Starts counting afresh. */
export function resetObjectCalls(): void {
  calls.clear();
}

/** A stub whose method calls are counted for `name`; everything else passes through. */
function countingStub<T extends object>(stub: T, name: string): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = (target as Record<PropertyKey, unknown>)[prop];
      // `then` must stay what it is: a stub returned from an async function is checked for it.
      if (typeof prop === "symbol" || prop === "then" || typeof value !== "function") return value;
      // Called as a method of the stub: an RPC method stub's own `apply` would be a remote call.
      return (...args: unknown[]) => {
        count(name, prop);
        return (target as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args);
      };
    },
  });
}

const namespaces = new WeakMap<object, object>();

/** The namespace, with every stub it hands out counting its calls; one wrapper per namespace, so the store's per-isolate cache keeps working. */
export function countingNamespace<T extends object>(namespace: T): T {
  const known = namespaces.get(namespace);
  if (known) return known as T;
  const names = new WeakMap<DurableObjectId, string>();
  const wrapped = new Proxy(namespace as unknown as DurableObjectNamespace, {
    get(target, prop) {
      const value = (target as unknown as Record<PropertyKey, unknown>)[prop];
      if (prop === "idFromName") {
        return (name: string) => {
          const id = target.idFromName(name);
          names.set(id, name);
          return id;
        };
      }
      if (prop === "get") {
        return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
          countingStub(target.get(id, options), names.get(id) ?? id.name ?? id.toString());
      }
      if (prop === "getByName") {
        return (name: string, ...rest: unknown[]) => countingStub((target as unknown as Record<string, (...a: unknown[]) => object>)["getByName"]!(name, ...rest), name);
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  namespaces.set(namespace, wrapped);
  return wrapped as unknown as T;
}
