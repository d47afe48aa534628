/**
 * The admin API's schemas of identity providers (zod/mini): the upstream, its exchange trust policy,
 * groups and role mappings, just-in-time profile updates and authentication context. schemas.ts
 * re-exports them with the others.
 */
import * as z from "zod/mini";
import { PROVIDER_KINDS } from "../registry/providers";
import { isSecureOrLoopback } from "../urls";
import { ScopeToken, text, Timestamps } from "./schema-parts";

const IssuerUrl = z.string().check(
  z.refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return isSecureOrLoopback(url) && !url.search && !url.hash;
  }, "must be an https URL (http only on loopback) without query or fragment"),
);
const Exchange = z.object({
  audiences: z._default(z.array(text(500)).check(z.maxLength(50)), []),
  clientIds: z._default(z.array(text(500)).check(z.maxLength(50)), []),
  acceptOpaqueTokens: z._default(z.boolean(), false),
  maxTokenAgeSeconds: z.optional(z.int().check(z.gte(60), z.lte(604_800))),
  mode: z._default(
    z.enum(["enforce", "shadow"]).check(
      z.describe(
        "`shadow`: a dry run against real traffic. Tokens of this provider are judged and audited exactly as for real (token exchange and " +
          "the JWT bearer grant), but the answer (200, `shadow: true`) only says what would have happened: nothing is issued, no user is " +
          "created or changed, no ID token is spent. The legacy-token report counts shadow answers apart. Default `enforce`.",
      ),
    ),
    "enforce",
  ),
});
/** A claim or group name as the upstream sends it: compared exactly, so not trimmed. */
const ClaimText = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const GroupsClaim = z.nullable(ClaimText(200)).check(
  z.describe(
    "The claim that carries the person's groups (an array of strings). Absent: the kind's default (okta and oidc `groups`, cognito " +
      "`cognito:groups`; auth0 and google none). An Auth0 tenant's roles live under a namespaced claim it chooses: name it here, " +
      "e.g. `https://example.com/roles`. null: read no groups.",
  ),
);
const RoleName = z.string().check(z.regex(/^[A-Za-z0-9:._-]{1,100}$/, "must be 1-100 letters, digits, colons, dots, underscores or dashes"));
const RoleMappingRule = z.union([
  z.strictObject({
    group: ClaimText(500).check(z.describe("Granted when the person's groups (see groupsClaim) hold this group, compared exactly.")),
    role: RoleName,
  }),
  z.strictObject({
    claim: ClaimText(500).check(z.describe("Granted when this claim (ID token over userinfo, or an exchanged access token's) equals `value`, or is an array of strings holding it.")),
    value: ClaimText(500),
    role: RoleName,
  }),
]);
const RoleMappings = z.array(RoleMappingRule).check(
  z.maxLength(100),
  z.describe(
    "Upstream groups or claim values mapped to project roles, which tokens carry as `roles` (with the user's assigned roles) and " +
      "the admin API shows as the user's `mappedRoles`. Evaluated at every sign-in and token exchange through this provider; the " +
      "roles granted replace the previous ones. They never grant admin authority.",
  ),
);
const UpdateProfile = z.boolean().check(
  z.describe(
    "Just-in-time update: refresh the user's name and email from this provider at every sign-in and token exchange. A new email " +
      "is stored verified only when it could link (verified, from a provider authoritative for its domain); one another user holds is not taken.",
  ),
);
const AuthContext = z.strictObject({
  trusted: z._default(
    z.boolean().check(z.describe("Believe this provider's `acr` and `amr`: carried into Fedgate's ID tokens and read by the MFA policy. Untrusted: `amr` is [\"fed\"].")),
    false,
  ),
  mfaAcrValues: z._default(
    z.array(z.string().check(z.regex(/^\S{1,200}$/, "must be an acr value: 1-200 characters, no spaces"))).check(
      z.maxLength(20),
      z.describe("The provider's `acr` values that mean multi-factor authentication, sent upstream as `acr_values` to ask for it where the kind takes them."),
    ),
    [],
  ),
}).check(z.describe("The provider's authentication context (acr, amr) and what of it counts as multi-factor."));
export const ProviderCreate = z.strictObject({
  id: z.optional(
    z.string().check(
      z.regex(/^[a-z][a-z0-9-]{1,39}$/, "must be 2-40 lower-case letters, digits or dashes, starting with a letter"),
      z.describe("Chosen id (unique in the project); it names the callback URL. Generated when absent."),
    ),
  ),
  name: text(200),
  kind: z.enum(PROVIDER_KINDS),
  issuer: IssuerUrl,
  clientId: text(500),
  clientSecret: z.optional(text(2000)),
  scopes: z._default(z.array(ScopeToken).check(z.minLength(1), z.maxLength(50)), ["openid", "email", "profile"]),
  linkBy: z._default(z.enum(["email", "subject"]), "email"),
  createUsers: z._default(z.boolean(), true),
  exchange: z._default(Exchange, { audiences: [], clientIds: [], acceptOpaqueTokens: false, mode: "enforce" }),
  groupsClaim: z.optional(GroupsClaim),
  roleMappings: z._default(RoleMappings, []),
  updateProfile: z._default(UpdateProfile, false),
  authContext: z._default(AuthContext, { trusted: false, mfaAcrValues: [] }),
});
export const ProviderPatch = z.strictObject({
  name: z.optional(text(200)),
  clientId: z.optional(text(500)),
  clientSecret: z.optional(z.nullable(text(2000))),
  scopes: z.optional(z.array(ScopeToken).check(z.minLength(1), z.maxLength(50))),
  linkBy: z.optional(z.enum(["email", "subject"])),
  createUsers: z.optional(z.boolean()),
  exchange: z.optional(Exchange),
  /** null: no groups (to go back to the kind's default, name its claim). */
  groupsClaim: z.optional(GroupsClaim),
  roleMappings: z.optional(RoleMappings),
  updateProfile: z.optional(UpdateProfile),
  authContext: z.optional(AuthContext),
});
export const ProviderView = z.object({
  id: z.string(), projectId: z.string(), name: z.string(), kind: z.enum(PROVIDER_KINDS), issuer: z.string(), clientId: z.string(),
  hasClientSecret: z.boolean(), scopes: z.array(z.string()), linkBy: z.enum(["email", "subject"]), createUsers: z.boolean(),
  exchange: Exchange, groupsClaim: z.optional(GroupsClaim), roleMappings: RoleMappings, updateProfile: UpdateProfile, authContext: AuthContext,
  callbackUrl: z.string(), ...Timestamps,
});
