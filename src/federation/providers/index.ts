/** The provider kinds by name: the only way the broker reaches a kind's quirks. */
import type { ProviderKindName, ProviderKind } from "./provider";
import { auth0 } from "./auth0";
import { cognito } from "./cognito";
import { google } from "./google";
import { oidc } from "./oidc";
import { okta } from "./okta";

export type { ClaimRejection, Claims, ProviderKind } from "./provider";

const KINDS: Record<ProviderKindName, ProviderKind> = { auth0, okta, google, cognito, oidc };

/** The implementation of a provider kind; every `Provider["kind"]` has one (the record is exhaustive). */
export function providerKind(kind: ProviderKindName): ProviderKind {
  return KINDS[kind];
}
