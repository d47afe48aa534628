/**
 * IP access rules (SECURITY.md AB-2): CIDR allow and deny lists, IPv4 and IPv6, per project and
 * per client. Deny wins; an empty allow list allows every address not denied.
 */
import ipaddr from "ipaddr.js";

export interface IpRules {
  allow: string[];
  deny: string[];
}

/** The CIDR in canonical form (`10.0.0.0/8`, `2001:db8::/32`), or undefined if it is not one. */
export function normaliseCidr(text: string): string | undefined {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    [address, prefix] = ipaddr.parseCIDR(text.trim());
  } catch {
    return undefined;
  }
  // A CIDR names its network: set host bits mean the rule says something other than intended.
  const bytes = address.toByteArray();
  const hostBitsSet = bytes.some((byte, i) => (byte & ~(0xff << Math.max(0, Math.min(8, 8 - (prefix - 8 * i))) & 0xff)) !== 0);
  return hostBitsSet ? undefined : `${address.toString()}/${prefix}`;
}

function matches(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  const [network, prefix] = ipaddr.parseCIDR(cidr);
  const candidate = address.kind() === "ipv6" && network.kind() === "ipv4" && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
  return candidate.kind() === network.kind() && candidate.match(network, prefix);
}

/** Whether `ip` passes every rule set given; an unparseable or absent address passes only empty rules. */
export function ipAllowed(ip: string | undefined, ...ruleSets: (IpRules | undefined)[]): boolean {
  const rules = ruleSets.filter((r): r is IpRules => r !== undefined && (r.allow.length > 0 || r.deny.length > 0));
  if (rules.length === 0) return true;
  if (!ip || !ipaddr.isValid(ip)) return false;
  const address = ipaddr.parse(ip);
  return rules.every((r) => !r.deny.some((cidr) => matches(address, cidr)) && (r.allow.length === 0 || r.allow.some((cidr) => matches(address, cidr))));
}
