/**
 * The Worker's env, parsed once per isolate into a typed Config. Secrets and deployment settings
 * live here; everything an administrator manages at run time lives in the store.
 */
import * as z from "zod/mini";
import { base64url } from "jose";
import { isSecureOrLoopback } from "./urls";

export type SigningAlg = "ES256" | "RS256";
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  /** Fedgate's issuer identifier; configured, never derived from the request (SECURITY.md AS-13). */
  issuer: string;
  /** 32-byte key that encrypts private material at rest (signing keys, provider secrets). */
  encryptionKey: Uint8Array;
  adminBootstrapToken: string;
  upstash: { url: string; token: string } | undefined;
  /**
   * The ID tokens' algorithm for clients that do not set `idTokenSignedResponseAlg` (SIGNING_ALG).
   * Access tokens are always ES256 (tokens/signing-keys.ts).
   */
  defaultIdTokenAlg: SigningAlg;
  keyRotationIntervalMs: number;
  /** Upper bound of any token's lifetime: how long a retired signing key stays published. */
  tokenMaxLifetimeS: number;
  logLevel: LogLevel;
  /** Emit `Server-Timing` (store round trips) for benchmarks and local profiling. */
  serverTiming: boolean;
  /** The DNS-over-HTTPS resolver (JSON API) that checks domain proofs (DOH_RESOLVER_URL). */
  dohResolverUrl: string;
  /**
   * Request limits (security/rate-limit.ts: the platform limiter's tiers, so at least 1 per minute),
   * and failed client authentications per client id and per IP (security/client-auth-failures.ts:
   * exact store counters, any window); null: off.
   */
  rateLimits: { token: RateLimit | null; signIn: RateLimit | null; clientToken: RateLimit | null; clientAuthFailures: RateLimit | null };
  /** The admin console (src/console/): signs in through this operator project's client; undefined when not set up. */
  console: ConsoleConfig | undefined;
}

/** The admin console's OAuth client (CONSOLE_PROJECT_ID, CONSOLE_CLIENT_ID) and its sessions' timeouts. */
export interface ConsoleConfig {
  projectId: string;
  clientId: string;
  /** A session unused this long ends (sliding). */
  idleTimeoutS: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteTimeoutS: number;
}

/** At most `limit` requests per `windowS` seconds. */
export interface RateLimit {
  limit: number;
  windowS: number;
}

/**
 * `"<count>/<seconds>s"` or `"off"` (null). A request limit (`perMinute`) is enforced per minute by
 * the platform limiter's tiers, so it must come to at least 1 per 60 s.
 */
function rateLimitSchema(perMinute: boolean) {
  return z.pipe(
    z.string().check(
      z.refine((value) => {
        if (value === "off") return true;
        const match = /^(\d{1,7})\/(\d{1,5})s$/.exec(value);
        if (match === null || !inRange(Number(match[1]), 1, 1_000_000) || !inRange(Number(match[2]), 1, 86_400)) return false;
        return !perMinute || Number(match[1]) * 60 >= Number(match[2]);
      }),
    ),
    z.transform((value): RateLimit | null => {
      if (value === "off") return null;
      const [limit, windowS] = value.slice(0, -1).split("/").map(Number) as [number, number];
      return { limit, windowS };
    }),
  );
}

/** A rate-limit variable: what it counts, its default (also the hint's example), and whether it is a request limit. */
function rateLimitVariable(what: string, byDefault: RateLimit, perMinute = true) {
  return {
    hint: `${what}, e.g. "${byDefault.limit}/${byDefault.windowS}s" (default), or "off"`,
    schema: z._default(rateLimitSchema(perMinute), byDefault),
  };
}

/** Each variable with its schema and a hint that says what a valid value looks like. */
const variables = {
  ISSUER: {
    hint: 'an absolute https URL without query, fragment or trailing slash, e.g. "https://id.example.com" (http only on 127.0.0.1 or localhost)',
    schema: z.string().check(
      z.refine((value) => {
        if (!URL.canParse(value) || value.endsWith("/")) return false;
        const url = new URL(value);
        const secure = isSecureOrLoopback(url);
        return secure && !url.search && !url.hash && !url.username && !url.password;
      }),
    ),
  },
  FEDGATE_ENCRYPTION_KEY: {
    hint: "a secret of 32 random bytes in base64url (43 characters), e.g. from `openssl rand 32 | basenc --base64url`",
    schema: z.pipe(
      z.string().check(z.regex(/^[A-Za-z0-9_-]{43}=?$/)),
      z.transform((value) => base64url.decode(value.replace(/=$/, ""))),
    ),
  },
  ADMIN_BOOTSTRAP_TOKEN: {
    hint: "a secret of at least 32 printable characters without spaces",
    schema: z.string().check(z.regex(/^[\x21-\x7e]{32,512}$/)),
  },
  UPSTASH_REDIS_REST_URL: {
    hint: 'the REST URL of an Upstash Redis database, e.g. "https://eu1-xyz.upstash.io" (set together with UPSTASH_REDIS_REST_TOKEN)',
    schema: z.optional(z.string().check(z.regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/))),
  },
  UPSTASH_REDIS_REST_TOKEN: {
    hint: "the REST token of that Upstash database (set together with UPSTASH_REDIS_REST_URL)",
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  SIGNING_ALG: {
    hint: '"ES256" (default) or "RS256", the ID tokens\' algorithm for clients without idTokenSignedResponseAlg (access tokens are always ES256)',
    schema: z._default(z.enum(["ES256", "RS256"]), "ES256"),
  },
  SIGNING_KEY_ROTATION_DAYS: {
    hint: "a whole number of days from 1 to 365 (default 30)",
    schema: z._default(z.pipe(z.string().check(z.regex(/^\d{1,3}$/)), z.transform(Number)), 30),
  },
  TOKEN_MAX_LIFETIME_SECONDS: {
    hint: "a whole number of seconds from 60 to 86400 (default 3600)",
    schema: z._default(z.pipe(z.string().check(z.regex(/^\d{2,5}$/)), z.transform(Number)), 3600),
  },
  LOG_LEVEL: {
    hint: '"debug", "info" (default), "warn" or "error"',
    schema: z._default(z.enum(["debug", "info", "warn", "error"]), "info"),
  },
  SERVER_TIMING: {
    hint: '"on" or "off" (default)',
    schema: z._default(z.enum(["on", "off"]), "off"),
  },
  DOH_RESOLVER_URL: {
    hint: 'the https URL of a DNS-over-HTTPS resolver\'s JSON API, without query or fragment (default "https://cloudflare-dns.com/dns-query"; http only on 127.0.0.1 or localhost)',
    schema: z._default(
      z.string().check(
        z.refine((value) => {
          if (!URL.canParse(value)) return false;
          const url = new URL(value);
          return isSecureOrLoopback(url) && !url.search && !url.hash && !url.username && !url.password;
        }),
      ),
      "https://cloudflare-dns.com/dns-query",
    ),
  },
  RATE_LIMIT_TOKEN: rateLimitVariable('requests per window per IP, "<count>/<seconds>s" with count 1-1000000, seconds 1-86400, at least 1 per 60 s', { limit: 300, windowS: 60 }),
  RATE_LIMIT_CLIENT_TOKEN: rateLimitVariable(
    'token requests per window per authenticated client (unless its project or the client sets tokenPerMinute), "<count>/<seconds>s", at least 1 per 60 s',
    { limit: 600, windowS: 60 },
  ),
  RATE_LIMIT_CLIENT_AUTH_FAILURES: rateLimitVariable(
    'failed client authentications per window, per client id and per IP, "<count>/<seconds>s" with count 1-1000000 and seconds 1-86400',
    { limit: 10, windowS: 60 },
    false,
  ),
  RATE_LIMIT_SIGN_IN: rateLimitVariable(
    'requests per window per IP at sign-in and at the upstream callback (each counted apart), "<count>/<seconds>s", at least 1 per 60 s',
    { limit: 60, windowS: 60 },
  ),
  CONSOLE_PROJECT_ID: {
    hint: 'the operator project\'s id, e.g. "prj_abcdefghijklmnop" (set together with CONSOLE_CLIENT_ID; both unset: no admin console)',
    schema: z.optional(z.string().check(z.regex(/^prj_[a-z2-7]{16}$/))),
  },
  CONSOLE_CLIENT_ID: {
    hint: "the id of the console's client in that project, e.g. \"prj_abcdefghijklmnop.<20 characters>\" (set together with CONSOLE_PROJECT_ID)",
    schema: z.optional(z.string().check(z.regex(/^prj_[a-z2-7]{16}\.[a-z2-7]{20}$/))),
  },
  CONSOLE_SESSION_IDLE_SECONDS: {
    hint: "a whole number of seconds from 1 to 86400 after which an unused console session ends (default 1800)",
    schema: z._default(z.pipe(z.string().check(z.regex(/^\d{1,5}$/)), z.transform(Number)), 1800),
  },
  CONSOLE_SESSION_MAX_SECONDS: {
    hint: "a whole number of seconds from 1 to 604800 after which a console session ends however busy (default 43200)",
    schema: z._default(z.pipe(z.string().check(z.regex(/^\d{1,6}$/)), z.transform(Number)), 43_200),
  },
} as const;

type Variables = typeof variables;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]["schema"]> };

/** A deployment whose env is missing or malformed; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Fedgate is not configured correctly:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Parses the env into a Config, or throws ConfigError naming each bad variable. */
export function parseConfig(env: Record<string, unknown>): Config {
  const problems: string[] = [];
  const parsed: Partial<Record<keyof Variables, unknown>> = {};
  for (const [name, { schema, hint }] of Object.entries(variables) as [keyof Variables, Variables[keyof Variables]][]) {
    const raw = env[name] === "" ? undefined : env[name];
    const result = z.safeParse(schema as z.ZodMiniType, raw);
    if (result.success) parsed[name] = result.data;
    else problems.push(`${name} is ${raw === undefined ? "missing" : "malformed"}: expected ${hint}`);
  }
  const p = parsed as Parsed;
  if (problems.length === 0) {
    if ((p.UPSTASH_REDIS_REST_URL === undefined) !== (p.UPSTASH_REDIS_REST_TOKEN === undefined)) {
      problems.push("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together (or neither, for the Durable Object store)");
    }
    if (!inRange(p.SIGNING_KEY_ROTATION_DAYS, 1, 365)) problems.push(`SIGNING_KEY_ROTATION_DAYS is malformed: expected ${variables.SIGNING_KEY_ROTATION_DAYS.hint}`);
    if (!inRange(p.TOKEN_MAX_LIFETIME_SECONDS, 60, 86_400)) problems.push(`TOKEN_MAX_LIFETIME_SECONDS is malformed: expected ${variables.TOKEN_MAX_LIFETIME_SECONDS.hint}`);
    if ((p.CONSOLE_PROJECT_ID === undefined) !== (p.CONSOLE_CLIENT_ID === undefined)) {
      problems.push("CONSOLE_PROJECT_ID and CONSOLE_CLIENT_ID must be set together (or neither, for no admin console)");
    } else if (p.CONSOLE_CLIENT_ID !== undefined && !p.CONSOLE_CLIENT_ID.startsWith(`${p.CONSOLE_PROJECT_ID}.`)) {
      problems.push("CONSOLE_CLIENT_ID must be a client of the project CONSOLE_PROJECT_ID names (its id starts with the project's)");
    }
    if (!inRange(p.CONSOLE_SESSION_IDLE_SECONDS, 1, 86_400)) problems.push(`CONSOLE_SESSION_IDLE_SECONDS is malformed: expected ${variables.CONSOLE_SESSION_IDLE_SECONDS.hint}`);
    if (!inRange(p.CONSOLE_SESSION_MAX_SECONDS, 1, 604_800)) problems.push(`CONSOLE_SESSION_MAX_SECONDS is malformed: expected ${variables.CONSOLE_SESSION_MAX_SECONDS.hint}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    issuer: p.ISSUER,
    encryptionKey: p.FEDGATE_ENCRYPTION_KEY,
    adminBootstrapToken: p.ADMIN_BOOTSTRAP_TOKEN,
    upstash: p.UPSTASH_REDIS_REST_URL && p.UPSTASH_REDIS_REST_TOKEN
      ? { url: p.UPSTASH_REDIS_REST_URL, token: p.UPSTASH_REDIS_REST_TOKEN }
      : undefined,
    defaultIdTokenAlg: p.SIGNING_ALG,
    keyRotationIntervalMs: p.SIGNING_KEY_ROTATION_DAYS * 86_400_000,
    tokenMaxLifetimeS: p.TOKEN_MAX_LIFETIME_SECONDS,
    logLevel: p.LOG_LEVEL,
    serverTiming: p.SERVER_TIMING === "on",
    dohResolverUrl: p.DOH_RESOLVER_URL,
    rateLimits: { token: p.RATE_LIMIT_TOKEN, signIn: p.RATE_LIMIT_SIGN_IN, clientToken: p.RATE_LIMIT_CLIENT_TOKEN, clientAuthFailures: p.RATE_LIMIT_CLIENT_AUTH_FAILURES },
    console: p.CONSOLE_PROJECT_ID && p.CONSOLE_CLIENT_ID
      ? { projectId: p.CONSOLE_PROJECT_ID, clientId: p.CONSOLE_CLIENT_ID, idleTimeoutS: p.CONSOLE_SESSION_IDLE_SECONDS, absoluteTimeoutS: p.CONSOLE_SESSION_MAX_SECONDS }
      : undefined,
  };
}

const parsedByEnv = new WeakMap<object, Config>();

/** The Config of this env, parsed on first use and then reused for the isolate's life. */
export function configOf(env: object): Config {
  let config = parsedByEnv.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    parsedByEnv.set(env, config);
  }
  return config;
}
