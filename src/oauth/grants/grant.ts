/** The shape every grant implements: its type, the parameters it reads, and its handler. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { Client } from "../../registry/clients";
import type { GrantType } from "../../registry/clients";
import type { TokenResponse } from "../issue";

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
  handler(request: GrantRequest): Promise<TokenResponse>;
}
