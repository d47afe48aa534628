import { env } from "cloudflare:workers";
import { UpstashStore } from "../../src/store/upstash";
import { storeContract } from "./contract";

// Real Redis behind the Upstash REST protocol (test/helpers/upstash-bridge.ts); port 9 is closed.
storeContract(
  "Upstash",
  () => new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN }),
  () => new UpstashStore({ url: "http://127.0.0.1:9", token: "unused", retry: false }),
);
