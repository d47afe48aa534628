/** Misbehaviour switches: their shape, validation, per-client scoping, and how they bend claims. */
import type { Endpoint, JWTPayload, ProviderId } from "./types";

/** How to sign a JWT instead of with the published key. */
export type SigningSwitch = "unknown-key" | "wrong-key-same-kid" | "alg-none" | "hs256-public-key" | "es256";
export type TokenKind = "id_token" | "access_token";

/** Switches that may be scoped to one client_id (they touch that client's tokens and requests only). */
export interface Switches {
  signing?: SigningSwitch;
  omitKid?: boolean;
  iss?: string;
  aud?: string | string[];
  /** Adds audiences and removes `azp`. */
  extraAudiences?: string[];
  expired?: boolean;
  /** Seconds by which `iat` (and `nbf`, if present) lies in the future. */
  futureIat?: number;
  nonce?: string;
  invalidAtHash?: boolean;
  omitClaims?: string[];
  /** Extra or overriding claims, applied last (before omitClaims). */
  claims?: JWTPayload;
  /** Which JWTs the token switches above touch; default both. */
  tokens?: TokenKind[];
  emailUnverified?: boolean;
  userinfoSub?: string;
  delay?: { ms: number; endpoints?: Endpoint[] };
  fail?: { status: number; endpoints?: Endpoint[] };
  /** Sign-in: a second factor on every sign-in, or never (even when `acr_values` asks for one). */
  mfa?: "always" | "never";
  /** Sign-in: `auth_time` this many seconds before the sign-in (an older upstream session). */
  authAge?: number;
}

/** Switches that shape what every client sees (no client_id in a JWKS or discovery fetch). */
export interface GlobalSwitches {
  jwks?: "single";
  discovery?: "issuer-mismatch" | "invalid-json" | "missing-jwks-uri";
}

/** One-shot actions accepted by the same control call. */
export interface Actions {
  rotateKey?: boolean;
  revokeTokens?: boolean;
}

const ENDPOINTS: readonly Endpoint[] = [
  "discovery", "jwks", "authorize", "token", "userinfo", "revoke", "logout", "introspect", "tokeninfo",
];
const SIGNING: readonly SigningSwitch[] = ["unknown-key", "wrong-key-same-kid", "alg-none", "hs256-public-key", "es256"];

/** Ten years: an upstream session older than that is a typo. */
const MAX_AUTH_AGE = 315_360_000;

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === "string";
const isBool: Check = (v) => typeof v === "boolean";
const isNum: Check = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isStrList: Check = (v) => Array.isArray(v) && v.every(isStr);
const isEndpoints = (v: unknown): boolean =>
  v === undefined || (Array.isArray(v) && v.every((e) => (ENDPOINTS as readonly unknown[]).includes(e)));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const SCOPED_CHECKS: Record<keyof Switches, Check> = {
  signing: (v) => (SIGNING as readonly unknown[]).includes(v),
  omitKid: isBool,
  iss: isStr,
  aud: (v) => isStr(v) || isStrList(v),
  extraAudiences: isStrList,
  expired: isBool,
  futureIat: isNum,
  nonce: isStr,
  invalidAtHash: isBool,
  omitClaims: isStrList,
  claims: isObj,
  tokens: (v) => Array.isArray(v) && v.every((t) => t === "id_token" || t === "access_token"),
  emailUnverified: isBool,
  userinfoSub: isStr,
  delay: (v) => isObj(v) && isNum(v["ms"]) && (v["ms"] as number) <= 60_000 && isEndpoints(v["endpoints"]),
  fail: (v) =>
    isObj(v) && typeof v["status"] === "number" && v["status"] >= 400 && v["status"] <= 599 && isEndpoints(v["endpoints"]),
  mfa: (v) => v === "always" || v === "never",
  authAge: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_AUTH_AGE,
};
/** What a bad value should have been, for the 400's message. */
const EXPECTED: Partial<Record<keyof Switches, string>> = {
  mfa: '"always" or "never" (null removes it)',
  authAge: `a whole number of seconds from 0 to ${MAX_AUTH_AGE} (null removes it)`,
};
const GLOBAL_CHECKS: Record<keyof GlobalSwitches, Check> = {
  jwks: (v) => v === "single",
  discovery: (v) => v === "issuer-mismatch" || v === "invalid-json" || v === "missing-jwks-uri",
};
const ACTION_CHECKS: Record<keyof Actions, Check> = { rotateKey: isBool, revokeTokens: isBool };

export interface ControlRequest {
  clientId?: string;
  scoped: Record<string, unknown>;
  global: Record<string, unknown>;
  actions: Actions;
}

/** Validates a control body; `null` removes a switch. Throws a message that names the bad key. */
export function parseControl(body: unknown): ControlRequest {
  if (!isObj(body)) throw new Error("body must be a JSON object");
  const out: ControlRequest = { scoped: {}, global: {}, actions: {} };
  for (const [key, value] of Object.entries(body)) {
    if (key === "clientId") {
      if (!isStr(value)) throw new Error('"clientId" must be a string');
      out.clientId = value as string;
    } else if (Object.hasOwn(SCOPED_CHECKS, key)) {
      // Own keys only: `constructor` or `toString` is an unknown switch, not Object's (Fedgate AB-6).
      if (value !== null && !SCOPED_CHECKS[key as keyof Switches](value)) {
        const expected = EXPECTED[key as keyof Switches];
        throw new Error(`"${key}" has an invalid value${expected ? `: expected ${expected}` : ""}`);
      }
      out.scoped[key] = value;
    } else if (Object.hasOwn(GLOBAL_CHECKS, key)) {
      if (value !== null && !GLOBAL_CHECKS[key as keyof GlobalSwitches](value)) throw new Error(`"${key}" has an invalid value`);
      out.global[key] = value;
    } else if (Object.hasOwn(ACTION_CHECKS, key)) {
      if (!ACTION_CHECKS[key as keyof Actions](value)) throw new Error(`"${key}" must be a boolean`);
      out.actions[key as keyof Actions] = value as boolean;
    } else {
      throw new Error(`unknown switch "${key}"`);
    }
  }
  if (out.clientId !== undefined && (Object.keys(out.global).length > 0 || out.actions.rotateKey)) {
    throw new Error("jwks, discovery and rotateKey are global: send them without clientId");
  }
  return out;
}

interface ProviderSwitches {
  global: Switches;
  byClient: Map<string, Switches>;
  globals: GlobalSwitches;
}

const state = new Map<ProviderId, ProviderSwitches>();

function slot(p: ProviderId): ProviderSwitches {
  let s = state.get(p);
  if (!s) state.set(p, (s = { global: {}, byClient: new Map(), globals: {} }));
  return s;
}

function merge<T extends object>(target: T, patch: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out as T;
}

/** Merges a parsed control request into the provider's switches. */
export function applyControl(p: ProviderId, req: ControlRequest): void {
  const s = slot(p);
  if (req.clientId === undefined) s.global = merge(s.global, req.scoped);
  else s.byClient.set(req.clientId, merge(s.byClient.get(req.clientId) ?? {}, req.scoped));
  s.globals = merge(s.globals, req.global);
}

/** The switches in force for a request or token of `clientId` (global ones, overridden per client). */
export function switchesFor(p: ProviderId, clientId: string | undefined): Switches {
  const s = slot(p);
  const own = clientId === undefined ? undefined : s.byClient.get(clientId);
  return own ? { ...s.global, ...own } : s.global;
}

export function globalSwitches(p: ProviderId): GlobalSwitches {
  return slot(p).globals;
}

export function describeSwitches(p: ProviderId): JWTPayload {
  const s = slot(p);
  return { global: s.global, byClient: Object.fromEntries(s.byClient), globals: s.globals };
}

/** Clears everything, or only what was set for one client (optionally on one provider). */
export function resetSwitches(clientId?: string, provider?: ProviderId): void {
  if (clientId === undefined && provider === undefined) return state.clear();
  for (const [p, s] of state) {
    if (provider !== undefined && p !== provider) continue;
    if (clientId === undefined) state.delete(p);
    else s.byClient.delete(clientId);
  }
}

export function endpointHit(rule: { endpoints?: Endpoint[] } | undefined, e: Endpoint): boolean {
  return rule !== undefined && (rule.endpoints === undefined || rule.endpoints.includes(e));
}

/** Bends a token's claims as the switches ask; `now` is the issuance time in seconds. */
export function applyClaimSwitches(claims: JWTPayload, sw: Switches, kind: TokenKind, now: number): JWTPayload {
  if (sw.tokens && !sw.tokens.includes(kind)) return claims;
  let out: JWTPayload = { ...claims };
  if (sw.iss !== undefined) out["iss"] = sw.iss;
  if (sw.aud !== undefined) out["aud"] = sw.aud;
  if (sw.extraAudiences) {
    const aud = out["aud"];
    const base = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    out["aud"] = [...base, ...sw.extraAudiences];
    delete out["azp"];
  }
  if (sw.expired) {
    out["iat"] = now - 7200;
    out["exp"] = now - 3600;
    if ("auth_time" in out) out["auth_time"] = now - 7200;
  }
  if (sw.futureIat !== undefined) {
    out["iat"] = now + sw.futureIat;
    if ("nbf" in out) out["nbf"] = now + sw.futureIat;
    if (typeof out["exp"] === "number") out["exp"] = (out["exp"] as number) + sw.futureIat;
  }
  if (sw.nonce !== undefined && kind === "id_token") out["nonce"] = sw.nonce;
  // A well-formed at_hash of some other token: the hash check fails, the format check passes.
  if (sw.invalidAtHash && kind === "id_token") out["at_hash"] = "x5eYRHeRwOLqgBoEm1KlwA";
  // Spread, not Object.assign: a `__proto__` claim from the control body becomes a claim of the
  // token (own property), where assigning it would replace the payload's prototype instead.
  if (sw.claims) out = { ...out, ...sw.claims };
  for (const k of sw.omitClaims ?? []) delete out[k];
  return out;
}
