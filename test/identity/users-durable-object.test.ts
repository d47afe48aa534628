import { env } from "cloudflare:workers";
import { DurableObjectStore } from "../../src/store/durable-object";
import { usersContract } from "./users-contract";

usersContract("Durable Object", () => new DurableObjectStore(env.STORE));
