/** Upstream identity providers a project trusts. Their client secrets are sealed at rest (AD-2). */
import * as keys from "../store/keys";
import type { Store } from "../store/store";

export const PROVIDER_KINDS = ["auth0", "okta", "google", "cognito", "oidc"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface Provider {
  id: string;
  projectId: string;
  name: string;
  kind: ProviderKind;
  issuer: string;
  clientId: string;
  /** JWE sealed with FEDGATE_ENCRYPTION_KEY for `provider-secret:<id>`; never returned by any API. */
  clientSecretSealed: string | null;
  scopes: string[];
  /** `email`: link by verified email where authoritative (RP-7); `subject`: by provider + sub only. */
  linkBy: "email" | "subject";
  /** Create a platform user on first sign-in; otherwise only pre-provisioned users may sign in. */
  createUsers: boolean;
  /** What this provider's tokens may be exchanged for (RFC 8693, issue 6). */
  exchange: { audiences: string[]; clientIds: string[]; acceptOpaqueTokens: boolean };
  createdAt: string;
  updatedAt: string;
}

export const sealContext = (providerId: string): string => `provider-secret:${providerId}`;

export function getProvider(store: Store, projectId: string, providerId: string): Promise<Provider | null> {
  return store.get<Provider>(keys.provider(projectId, providerId));
}
