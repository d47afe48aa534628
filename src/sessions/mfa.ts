/**
 * How a person authenticated upstream, as far as Fedgate believes it, and the MFA policy.
 *
 * A provider's `acr` and `amr` are believed only when its `authContext.trusted` is set: an
 * untrusted provider's say-so could otherwise satisfy an app's MFA requirement. Untrusted, the
 * sign-in is `amr: ["fed"]` (federated) and no `acr`.
 *
 * MFA is satisfied by a trusted provider's `amr` naming a second factor (RFC 8176: `mfa`, `mca`,
 * `otp`, `hwk`, `swk`, `sms`, `tel`, `sc`) or its `acr` being one of its `mfaAcrValues`.
 * It is required when the client says so, or its project does, or the request asks with `MFA_ACR`.
 * @see https://www.rfc-editor.org/rfc/rfc8176
 */
import type { Client } from "../registry/clients";
import type { Project } from "../registry/projects";
import type { Provider } from "../registry/providers";

const SECOND_FACTOR = new Set(["mfa", "mca", "otp", "hwk", "swk", "sms", "tel", "sc"]);

export interface AuthenticationContext {
  amr: string[];
  acr?: string;
  mfa: boolean;
}

const stringsOf = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;

/** What Fedgate carries of an upstream authentication's `acr`/`amr` claims, and whether it was multi-factor. */
export function authenticationContext(provider: Pick<Provider, "authContext">, claims: Record<string, unknown>): AuthenticationContext {
  if (!provider.authContext?.trusted) return { amr: ["fed"], mfa: false };
  const amr = stringsOf(claims["amr"]) ?? [];
  const acr = typeof claims["acr"] === "string" && claims["acr"] !== "" ? claims["acr"] : undefined;
  const mfa = amr.some((method) => SECOND_FACTOR.has(method)) || (acr !== undefined && provider.authContext.mfaAcrValues.includes(acr));
  return { amr: amr.length > 0 ? amr : ["fed"], ...(acr === undefined ? {} : { acr }), mfa };
}

/**
 * The `acr` value an app sends in `acr_values` to ask Fedgate for multi-factor authentication on one
 * request (OpenID Provider Authentication Policy Extension's multi-factor policy, as Auth0 uses it).
 * Fedgate treats it as required, not voluntary: unmet, the request fails.
 */
export const MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/** Whether a sign-in to this client needs MFA: the client's or project's policy, or the request's `acr_values`. */
export const mfaRequired = (client: Pick<Client, "requireMfa">, project: Pick<Project, "requireMfa"> | null, acrValues?: string): boolean =>
  client.requireMfa === true || project?.requireMfa === true || (acrValues?.split(" ").includes(MFA_ACR) ?? false);
