/**
 * TXT records through DNS over HTTPS, in the JSON API that Cloudflare's and Google's resolvers serve:
 * `GET <resolver>?name=<name>&type=TXT` with `Accept: application/dns-json`. The resolver is an
 * upstream like any other (SECURITY.md RP-8): bounded by UPSTREAM_TIMEOUT_MS, and a resolver that
 * gives no usable answer — unreachable, slow, an HTTP error, a body that is not that JSON, or a DNS
 * failure such as SERVFAIL — is an UpstreamUnavailableError, never a "record not found".
 * @see https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/
 * @see https://developers.google.com/speed/public-dns/docs/doh/json
 */
import { UPSTREAM_TIMEOUT_MS, UpstreamUnavailableError, upstreamFetch, type Fetch } from "./upstream-failure";

/** What the resolver said of a name: it exists (NOERROR) or not (NXDOMAIN), and its TXT records' texts. */
export interface TxtAnswer {
  status: "NOERROR" | "NXDOMAIN";
  /** Each TXT record's text, its character-strings joined (a long value is split in chunks of ≤ 255 bytes). */
  texts: string[];
}

const TXT_TYPE = 16;
const DNS_STATUS = new Map([[0, "NOERROR"], [1, "FORMERR"], [2, "SERVFAIL"], [3, "NXDOMAIN"], [4, "NOTIMP"], [5, "REFUSED"]]);
/** A TXT answer for one name is a few hundred bytes; anything this large is not one. */
const MAX_BODY_CHARS = 64 * 1024;

/** Asks the resolver at `resolver` (DOH_RESOLVER_URL) for `name`'s TXT records. */
export async function lookupTxt(resolver: string, name: string, fetch: Fetch = upstreamFetch()): Promise<TxtAnswer> {
  const url = new URL(resolver);
  url.searchParams.set("name", name);
  url.searchParams.set("type", "TXT");
  const signal = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
  const response = await fetch(url, { headers: { Accept: "application/dns-json" }, redirect: "manual", signal });
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    throw new UpstreamUnavailableError(`${url.host}${url.pathname} broke off its answer`, { cause: error, timedOut: signal.aborted });
  }
  return processTxtResponse(response.status, body, `${url.host}${url.pathname}`);
}

const unusable = (where: string, why: string) => new UpstreamUnavailableError(`${where} gave no usable DNS answer: ${why}`);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Reads a resolver's answer (status and body); `where` names the resolver in errors. Exported for tests of odd answers. */
export function processTxtResponse(status: number, body: string, where: string): TxtAnswer {
  if (status !== 200) throw unusable(where, `HTTP ${status}`);
  if (body.length > MAX_BODY_CHARS) throw unusable(where, `a body of ${body.length} characters`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw unusable(where, "not JSON");
  }
  if (!isObject(json) || typeof json["Status"] !== "number") throw unusable(where, "no Status");
  const dnsStatus = json["Status"];
  if (dnsStatus === 3) return { status: "NXDOMAIN", texts: [] };
  if (dnsStatus !== 0) throw unusable(where, `DNS status ${DNS_STATUS.get(dnsStatus) ?? dnsStatus}`);
  const answers = json["Answer"] ?? [];
  if (!Array.isArray(answers)) throw unusable(where, "Answer is not a list");
  const texts: string[] = [];
  for (const record of answers) {
    if (!isObject(record) || typeof record["type"] !== "number") throw unusable(where, "an Answer entry without a type");
    // A CNAME on the way (type 5) is followed by the resolver; only the TXT records are ours to read.
    if (record["type"] !== TXT_TYPE) continue;
    if (typeof record["data"] !== "string") throw unusable(where, "a TXT record without data");
    const text = txtText(record["data"]);
    if (text === undefined) throw unusable(where, "a TXT record whose data is not quoted strings");
    texts.push(text);
  }
  return { status: "NOERROR", texts };
}

/**
 * A TXT record's text from its presentation form: one or more quoted character-strings (joined),
 * with `\"`, `\\` and `\DDD` (a byte in decimal) escapes; Google's resolver sends a lone string
 * unquoted, taken as it is. Undefined for a malformed form (an open quote, text between strings).
 */
export function txtText(data: string): string | undefined {
  const trimmed = data.trim();
  if (!trimmed.startsWith('"')) return trimmed;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = 0;
  while (i < trimmed.length) {
    if (trimmed[i] !== '"') return undefined;
    i++;
    for (;;) {
      if (i >= trimmed.length) return undefined;
      const char = trimmed[i]!;
      if (char === '"') break;
      if (char === "\\") {
        const digits = /^\d{3}/.exec(trimmed.slice(i + 1, i + 4));
        if (digits) {
          const byte = Number(digits[0]);
          if (byte > 255) return undefined;
          bytes.push(byte);
          i += 4;
        } else if (i + 1 < trimmed.length) {
          bytes.push(...encoder.encode(trimmed[i + 1]!));
          i += 2;
        } else return undefined;
        continue;
      }
      const codePoint = trimmed.codePointAt(i)!;
      const literal = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(literal));
      i += literal.length;
    }
    i++; // the closing quote
    while (i < trimmed.length && /\s/.test(trimmed[i]!)) i++;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
