/**
 * Which provider may vouch for an email address (SECURITY.md RP-7): the email's domain, the
 * project's mapping of that domain, and the provider kind's own rule where it has one.
 */
import type { DomainMapping } from "../registry/domains";
import type { Provider } from "../registry/providers";
import type { UpstreamIdentity } from "./upstream-identity";

/** A provider kind's own word on the domains it is authoritative for (federation/providers). */
export interface EmailAuthority {
  /** True or false when the kind has a rule for `identity.email`'s domain (Google), null when it has none. */
  emailAuthority(identity: UpstreamIdentity, emailDomain: string): boolean | null;
}

/** The domain part of a normalised email. */
export const domainOfEmail = (email: string): string => email.slice(email.lastIndexOf("@") + 1);

/**
 * Whether `provider` may vouch for an email in `emailDomain`. A domain mapped to another provider
 * is never its to claim. A kind with its own rule (Google) must satisfy it even where the domain is
 * mapped to it; a kind without one is authoritative only where the project maps the domain to it.
 * @see https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
 */
export function isAuthoritativeFor(
  kind: EmailAuthority,
  identity: UpstreamIdentity,
  emailDomain: string,
  mapping: DomainMapping | null,
  provider: Pick<Provider, "id" | "projectId">,
): boolean {
  if (mapping && (mapping.projectId !== provider.projectId || mapping.providerId !== provider.id)) return false;
  const own = kind.emailAuthority(identity, emailDomain);
  return own ?? mapping !== null;
}
