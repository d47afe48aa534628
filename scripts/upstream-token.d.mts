/** Types of scripts/upstream-token.mjs (the e2e tests and the benchmark import it). */
export type UpstreamName = "auth0" | "okta" | "okta-org" | "google" | "cognito";
/** The provider's token response (fields as the provider names them). */
export interface UpstreamTokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  [other: string]: unknown;
}
/** The provider's "migrating app" client: the emulators' second client of each provider. */
export function migratingAppClient(provider: UpstreamName): { clientId: string; clientSecret: string };
/** Signs a seeded user in at the emulated `provider` (non-interactive path) and returns its token response. */
export function upstreamTokens(
  origin: string,
  provider: UpstreamName,
  options?: { audience?: string; login?: string; password?: string; scope?: string },
): Promise<UpstreamTokenResponse>;
