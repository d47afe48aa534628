/**
 * Shadow mode (issue 15): a provider whose exchange policy is `shadow` has its tokens judged and
 * audited exactly as for real by token exchange and the JWT bearer grant, but the answer only says
 * what would have happened, so a team can dry-run its policy against production traffic. Nothing is
 * issued, no user is created or changed, no ID token is spent; the audit events carry
 * `after.shadow: true`, and the legacy-token report counts them apart.
 *
 * The answer is 200 with `shadow: true` and either `outcome: "would_issue"` (who, what scope and
 * audience, whether a refresh token would come) or `outcome: "would_refuse"` with the `error` and
 * `error_description` the real answer would carry. An outage (503) is an outage in shadow mode too.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { OAuthError, type OAuthErrorCode } from "../../errors";
import type { Provider } from "../../registry/providers";
import { auditLater } from "../../security/audit";
import type { TokenResponse } from "../issue";

export type ShadowAnswer =
  | {
      shadow: true; outcome: "would_issue"; provider: string;
      /** The Fedgate user the token would be for; null when one would be created. */
      sub: string | null;
      linking: "link" | "create";
      scope: string; aud: string; refresh_token: boolean; issued_token_type?: string;
    }
  | { shadow: true; outcome: "would_refuse"; provider: string; error: OAuthErrorCode; error_description: string };

export const isShadow = (provider: Pick<Provider, "exchange">): boolean => provider.exchange.mode === "shadow";

/** What a real answer would have issued. */
export function wouldIssue(provider: Provider, person: { sub: string | null; linking: "link" | "create" }, grant: { scope: string[]; audience: string; refresh: boolean; issuedTokenType?: string }): ShadowAnswer {
  return {
    shadow: true, outcome: "would_issue", provider: provider.id, sub: person.sub, linking: person.linking,
    scope: grant.scope.join(" "), aud: grant.audience, refresh_token: grant.refresh,
    ...(grant.issuedTokenType ? { issued_token_type: grant.issuedTokenType } : {}),
  };
}

/**
 * Runs a grant; a refusal on behalf of a provider in shadow mode (the refusal's audit names it) is
 * audited as it would be, marked `shadow`, and answered as `would_refuse` instead of thrown.
 */
export async function shadowRefusals(c: Context<AppEnv>, candidates: readonly Provider[], run: () => Promise<TokenResponse | ShadowAnswer>): Promise<TokenResponse | ShadowAnswer> {
  try {
    return await run();
  } catch (error) {
    const target = error instanceof OAuthError ? error.audit?.target : undefined;
    const provider = target?.type === "provider" ? candidates.find((candidate) => candidate.id === target.id) : undefined;
    if (!(error instanceof OAuthError) || !error.audit || !provider || !isShadow(provider) || error.status >= 500) throw error;
    auditLater(c, { ...error.audit, after: { ...(error.audit.after as Record<string, unknown> | undefined), shadow: true } });
    return { shadow: true, outcome: "would_refuse", provider: provider.id, error: error.error, error_description: error.description };
  }
}
