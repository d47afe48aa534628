import { env } from "cloudflare:workers";
import { DurableObjectStore, type StoreObject } from "../../src/store/durable-object";
import { storeContract } from "./contract";

/** A namespace whose objects fail as the runtime's do when an object is unreachable. */
const failingNamespace = {
  idFromName: (name: string) => env.STORE.idFromName(name),
  get: () =>
    new Proxy({}, {
      get: () => () => Promise.reject(Object.assign(new Error("Network connection lost."), { retryable: true })),
    }),
} as unknown as DurableObjectNamespace<StoreObject>;

storeContract("Durable Object", () => new DurableObjectStore(env.STORE), () => new DurableObjectStore(failingNamespace));
