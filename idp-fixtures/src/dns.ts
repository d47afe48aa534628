/**
 * A DNS-over-HTTPS resolver in the JSON format of Cloudflare's (and Google's) API, serving TXT records
 * that tests and `npm run dev` set through the control endpoint, with failure switches for the
 * outage path. State is in this isolate's memory, like the providers' (store.ts).
 *
 *   GET  /dns/dns-query?name=<name>&type=TXT   (Accept: application/dns-json, or ct=application/dns-json)
 *   POST /__control/dns   {"name": "...", "txt": ["value", ["chunk 1", "chunk 2"]] | [] | null, "fail": ... | null}
 *   GET  /__control/dns   every name and switch
 */
import { Hono } from "hono";
import type { AppEnv } from "./http";

/** How the resolver misbehaves: an HTTP status, DNS SERVFAIL, a body that is not JSON, or no answer for HANG_MS. */
type Failure = { status: number } | "servfail" | "malformed" | "hang";

/** A TXT record: its character-strings (chunks) as published. */
type TxtRecord = string[];

interface NameState {
  txt: TxtRecord[];
}

const names = new Map<string, NameState>();
const failures = new Map<string, Failure>();
let globalFailure: Failure | undefined;

/** How long "hang" holds the request: beyond any caller's timeout (Fedgate's is 5 s). */
const HANG_MS = 30_000;
const TXT_TYPE = 16;
const MAX_CHUNK_BYTES = 255;

/** Clears every record and switch (POST /__control/reset). */
export function resetDns(): void {
  names.clear();
  failures.clear();
  globalFailure = undefined;
}

/** A query or control name in canonical form (lower case, no trailing dot), or undefined if it is not a DNS name. */
function canonicalName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const name = raw.trim().toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  const valid = name.length > 0 && name.length <= 253 && labels.every((label) => /^[a-z0-9_-]{1,63}$/.test(label));
  return valid ? name : undefined;
}

const encoder = new TextEncoder();

/** A value as one TXT record: split into chunks of at most 255 bytes, as a DNS host's form does with a long value. */
function chunked(value: string): TxtRecord {
  const chunks: string[] = [];
  let current = "";
  for (const char of value) {
    if (encoder.encode(current + char).length > MAX_CHUNK_BYTES) {
      chunks.push(current);
      current = "";
    }
    current += char;
  }
  chunks.push(current);
  return chunks;
}

/** A chunk in presentation form: quoted, `"` and `\` escaped, other bytes outside printable ASCII as `\DDD`. */
function quoted(chunk: string): string {
  let out = '"';
  for (const byte of encoder.encode(chunk)) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${String(byte).padStart(3, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** Whether the name exists: it has records, or a name below it does (an empty non-terminal). */
const exists = (name: string) => names.has(name) || [...names.keys()].some((other) => other.endsWith(`.${name}`));

const failureOf = (name: string | undefined) => (name !== undefined ? failures.get(name) : undefined) ?? globalFailure;

const dnsJson = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/dns-json", "Cache-Control": "no-store" } });

export const dnsQuery = new Hono<AppEnv>();

dnsQuery.get("/dns-query", async (c) => {
  const wantsJson = (c.req.header("Accept") ?? "").includes("application/dns-json") || c.req.query("ct") === "application/dns-json";
  if (!wantsJson) return c.json({ error: "Accept: application/dns-json (or ct=application/dns-json) is required for the JSON API" }, 400);
  const name = canonicalName(c.req.query("name"));
  if (name === undefined) return c.json({ error: "Invalid query name" }, 400);
  const typeParam = (c.req.query("type") ?? "A").toUpperCase();
  const type = typeParam === "TXT" ? TXT_TYPE : /^\d{1,5}$/.test(typeParam) ? Number(typeParam) : typeParam === "A" ? 1 : undefined;
  if (type === undefined) return c.json({ error: "Invalid query type" }, 400);

  const failure = failureOf(name);
  if (failure === "hang") await new Promise((resolve) => setTimeout(resolve, HANG_MS));
  else if (failure === "malformed") return new Response("<html>resolver error</html>", { status: 200, headers: { "Content-Type": "text/html" } });
  else if (typeof failure === "object") return c.json({ error: `emulated HTTP ${failure.status}` }, failure.status as 500);

  const question = [{ name: `${name}.`, type }];
  const header = { TC: false, RD: true, RA: true, AD: false, CD: false, Question: question };
  if (failure === "servfail") return dnsJson({ Status: 2, ...header });
  if (!exists(name)) {
    const zone = name.split(".").slice(-2).join(".");
    return dnsJson({ Status: 3, ...header, Authority: [{ name: `${zone}.`, type: 6, TTL: 300, data: `ns.${zone}. hostmaster.${zone}. 1 7200 1800 86400 300` }] });
  }
  const records = type === TXT_TYPE ? (names.get(name)?.txt ?? []) : [];
  const answer = records.map((chunks) => ({ name: `${name}.`, type: TXT_TYPE, TTL: 300, data: chunks.map(quoted).join(" ") }));
  return dnsJson({ Status: 0, ...header, ...(answer.length > 0 ? { Answer: answer } : {}) });
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A `fail` value, or what is wrong with it. */
function parseFailure(value: unknown): Failure | { error: string } {
  if (value === "servfail" || value === "malformed" || value === "hang") return value;
  if (isObject(value) && Object.keys(value).length === 1 && Number.isInteger(value["status"]) && (value["status"] as number) >= 400 && (value["status"] as number) <= 599) {
    return { status: value["status"] as number };
  }
  return { error: '"fail" must be {"status": 400-599}, "servfail", "malformed", "hang" or null' };
}

/** A `txt` value (each record a string, split at 255 bytes, or its chunks), or an error message. */
function parseTxt(value: unknown): TxtRecord[] | string {
  const message = '"txt" must be a list of records, each a string or a list of strings (its chunks of at most 255 bytes), or null';
  if (!Array.isArray(value)) return message;
  const records: TxtRecord[] = [];
  for (const record of value) {
    if (typeof record === "string") records.push(chunked(record));
    else if (Array.isArray(record) && record.length > 0 && record.every((chunk) => typeof chunk === "string" && encoder.encode(chunk).length <= MAX_CHUNK_BYTES)) {
      records.push([...(record as string[])]);
    } else return message;
  }
  return records;
}

function state() {
  return {
    names: Object.fromEntries([...names].map(([name, { txt }]) => [name, { txt, ...(failures.has(name) ? { fail: failures.get(name) } : {}) }])),
    failingNames: Object.fromEntries(failures),
    ...(globalFailure ? { fail: globalFailure } : {}),
  };
}

export const dnsControl = new Hono<AppEnv>();

dnsControl.get("/", (c) => c.json(state()));

/** Sets or clears one name's TXT records and failure, or (without `name`) the failure of every name. */
dnsControl.post("/", async (c) => {
  let body: unknown;
  try {
    const text = await c.req.text();
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return c.json({ error: "body must be JSON" }, 400);
  }
  if (!isObject(body)) return c.json({ error: "body must be a JSON object" }, 400);
  const unknown = Object.keys(body).filter((key) => key !== "name" && key !== "txt" && key !== "fail");
  if (unknown.length > 0) return c.json({ error: `unknown field "${unknown[0]}"` }, 400);
  const name = Object.hasOwn(body, "name") ? canonicalName(body["name"]) : undefined;
  if (Object.hasOwn(body, "name") && name === undefined) return c.json({ error: '"name" must be a DNS name' }, 400);
  if (name === undefined && Object.hasOwn(body, "txt")) return c.json({ error: '"txt" needs a "name"' }, 400);

  let txt: TxtRecord[] | null | undefined;
  if (Object.hasOwn(body, "txt")) {
    const parsed = body["txt"] === null ? null : parseTxt(body["txt"]);
    if (typeof parsed === "string") return c.json({ error: parsed }, 400);
    txt = parsed;
  }
  let fail: Failure | null | undefined;
  if (Object.hasOwn(body, "fail")) {
    const parsed = body["fail"] === null ? null : parseFailure(body["fail"]);
    if (parsed !== null && typeof parsed === "object" && "error" in parsed) return c.json(parsed, 400);
    fail = parsed;
  }

  // Validated in full before anything changes.
  if (txt === null) names.delete(name!);
  else if (txt !== undefined) names.set(name!, { txt });
  if (fail !== undefined) {
    if (name === undefined) globalFailure = fail ?? undefined;
    else if (fail === null) failures.delete(name);
    else failures.set(name, fail);
  }
  return c.json(state());
});
