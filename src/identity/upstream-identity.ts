/**
 * What the relying-party face hands the core after a verified upstream sign-in or token: who the
 * provider says the person is, normalised from each kind's claims (federation/providers/*) into one
 * shape, which identity linking (linking.ts) and the authorization server read.
 */

/** Who the upstream says the person is, in one shape for every kind. */
export interface UpstreamIdentity {
  /** The provider's configured issuer (canonical, even when the token used an accepted alias). */
  issuer: string;
  /** The provider's stable id for the person (`sub`); with the provider id, the external identity. */
  subject: string;
  /** Lower-cased and trimmed; null when absent or not an address. */
  email: string | null;
  /** True only for boolean `true` or the string "true" (any case); anything else is false. */
  emailVerified: boolean;
  /** Google's signed `hd` (Workspace domain), lower case; null elsewhere. */
  hostedDomain: string | null;
  name: string | null;
  /** `preferred_username`, `cognito:username` or Auth0's `nickname`; informational only. */
  username: string | null;
  /** Group or role names; only ever from an array of strings. */
  groups: string[];
  /** The claims these were read from: userinfo overlaid by the (signed) ID token. */
  raw: Record<string, unknown>;
}
