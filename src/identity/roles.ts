/**
 * Project roles from an upstream identity: a provider's `roleMappings` (registry/providers.ts) read
 * against what the provider said at this sign-in or exchange. A `group` rule matches when the
 * person's groups (the kind's groups claim, or the provider's `groupsClaim`) hold it; a `claim` rule
 * when that claim is a string equal to `value`, or an array of strings holding it. The claim name is
 * an administrator's, the claims an upstream's: only the claims' own members count, so a rule on
 * `__proto__` or `constructor` is an ordinary claim that is absent (SECURITY.md AB-6). Pure.
 */
import type { Provider, RoleMapping } from "../registry/providers";
import type { UpstreamIdentity } from "./upstream-identity";

/** A claim value that holds `value`: equal to it, or an array made entirely of strings containing it. */
function claimHolds(claim: unknown, value: string): boolean {
  if (typeof claim === "string") return claim === value;
  return Array.isArray(claim) && claim.every((item) => typeof item === "string") && claim.includes(value);
}

function matches(rule: RoleMapping, identity: Pick<UpstreamIdentity, "groups" | "raw">): boolean {
  if ("group" in rule) return identity.groups.includes(rule.group);
  return Object.hasOwn(identity.raw, rule.claim) && claimHolds(identity.raw[rule.claim], rule.value);
}

/** The roles `provider`'s mappings grant `identity`: each once, in rule order; none without mappings. */
export function mappedRolesFor(provider: Pick<Provider, "roleMappings">, identity: Pick<UpstreamIdentity, "groups" | "raw">): string[] {
  const roles = new Set<string>();
  for (const rule of provider.roleMappings ?? []) if (matches(rule, identity)) roles.add(rule.role);
  return [...roles];
}
