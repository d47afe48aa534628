import { env } from "cloudflare:workers";
import { UpstashStore } from "../../src/store/upstash";
import { usersContract } from "./users-contract";

// Real Redis behind the Upstash REST protocol (test/helpers/upstash-bridge.ts).
usersContract("Upstash", () => new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN }));
