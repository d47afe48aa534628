/** The shape every grant implements: its type, the parameters it reads, and its handler. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { Client } from "../../registry/clients";
import type { GrantType } from "../../registry/clients";
import type { TokenResponse } from "../issue";
import type { ShadowAnswer } from "./shadow";

interface GrantRequest {
  c: Context<AppEnv>;
  /** The authenticated client, allowed to use this grant. */
  client: Client;
  /** Only the parameters the grant declares; each present at most once. */
  params: Map<string, string>;
}

export interface Grant {
  grantType: GrantType;
  parameters: readonly string[];
  /** The token response; a grant judging a provider in shadow mode may answer what it would have issued instead (shadow.ts). */
  handler(request: GrantRequest): Promise<TokenResponse | ShadowAnswer>;
}
