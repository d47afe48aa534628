/**
 * Test sign-ins at a provider, for the admin console (federation/test-sign-in.ts): a console user
 * who administers the project starts a real upstream sign-in whose outcome (the claims received, and
 * what linking would decide) is kept for 10 minutes for them alone; nothing is written or issued.
 * Only console users (actor kind `user`) may start one: the browser that signs in must be theirs.
 */
import type { Context } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { readTestSignIn, startTestSignIn } from "../../federation";
import { readProvider } from "../../registry/providers";
import { found } from "../auth";
import { auditChange } from "../http";
import { operation } from "../openapi";
import { recordInPath } from "./scope";
import { readsOwnProvider } from "./setup-link-checks";

const PATH = "/projects/{projectId}/providers/{providerId}/test-sign-ins";
const TAG = "Identity providers";

const TestStart = z.strictObject({
  returnTo: z.string().check(z.regex(/^\/(console|setup)\/[A-Za-z0-9_\-./]{1,300}$/, "must be a path under /console/ (or /setup/ for a setup link)"), z.refine((path) => !path.includes(".."), "must not contain ..")),
  bindingHash: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "must be the base64url SHA-256 of the browser-binding cookie's value")),
  session: z.string().check(z.regex(/^[A-Za-z0-9_-]{16,100}$/, "must be an opaque tag of the console session")),
});
const TestStarted = z.object({ testId: z.string(), authorizationUrl: z.string(), bindingCookie: z.string() });
/** federation/test-sign-in.ts `TestSignInResult`, as the API answers it. */
const TestOutcome = z.object({
  testId: z.string(), projectId: z.string(), providerId: z.string(), at: z.string(),
  requester: z.object({ actor: z.string(), session: z.string() }),
  ok: z.boolean().check(z.describe("Whether the provider's sign-in and its ID token were accepted; if not, `stage` and `reason` say why.")),
  claims: z.optional(z.object({
    subject: z.string(), email: z.nullable(z.string()), emailVerified: z.boolean(), name: z.nullable(z.string()),
    username: z.nullable(z.string()), hostedDomain: z.nullable(z.string()), groups: z.array(z.string()),
    roles: z.optional(z.array(z.string()).check(z.describe("The roles the provider's role mappings would grant (none written)."))),
  })),
  raw: z.optional(z.record(z.string(), z.unknown()).check(z.describe("The claims received, ID token over userinfo (no tokens)."))),
  linking: z.optional(z.object({
    decision: z.enum(["link", "create", "refuse"]), via: z.optional(z.enum(["subject", "email"])), userId: z.optional(z.string()),
    reason: z.optional(z.string()), linkableEmail: z.boolean(),
  }).check(z.describe("What linking would decide now, by the same rules as a sign-in; nothing is written."))),
  stage: z.optional(z.enum(["upstream", "claims"])),
  reason: z.optional(z.string()),
});

/** The console user (or setup link) calling: only they may start or read a test. */
function consoleActor(c: Context<AppEnv>): string {
  const actor = c.get("actor");
  if (actor.kind === "setup-link") return `setup-link:${actor.linkId}`;
  if (actor.kind !== "user" || !actor.userId) throw new Problem(403, "Forbidden", { description: "Test sign-ins are started from the admin console, by a signed-in person." });
  return `user:${actor.userId}`;
}

/** Where the browser may come back to: the console for a person, the link's own return page for a setup link. */
function requireReturnTo(c: Context<AppEnv>, returnTo: string): void {
  const actor = c.get("actor");
  const allowed = actor.kind === "setup-link" ? returnTo === `/setup/return/${actor.linkId}` : returnTo.startsWith("/console/");
  if (!allowed) throw new Problem(400, "Bad Request", { description: `"returnTo": not a page this caller may come back to.` });
}

const storedProvider = (c: Context<AppEnv>) => recordInPath(c, "providerId", "identity provider", readProvider);

export const providerTestOperations = [
  operation({
    method: "post", path: PATH, tag: TAG, summary: "Start a test sign-in at the provider (admin console)",
    description:
      "Answers the provider's authorization URL for a real sign-in whose callback writes nothing and issues nothing: it keeps the claims and " +
      "the linking decision for 10 minutes and sends the browser to `returnTo?test=<testId>`. The caller sets the browser-binding cookie " +
      "`bindingCookie` (Path=/auth/callback) to the value whose SHA-256 it sent. Console users (back to a /console/ page) and setup links (back to `/setup/return/<linkId>`) only; audited as `provider.test`.",
    load: storedProvider, body: TestStart, acceptsSetupLink: readsOwnProvider,
    responses: {
      201: { description: "Where to send the browser", schema: TestStarted },
      403: { description: "Not a console user (an API key or the bootstrap token)" },
      502: { description: "The provider's discovery document is not usable" },
      503: { description: "The provider's discovery document could not be fetched in time" },
    },
    handler: async (c, { target: provider, body }) => {
      const actor = consoleActor(c);
      requireReturnTo(c, body.returnTo);
      const started = await startTestSignIn(c, provider.value, { actor, session: body.session, returnTo: body.returnTo, bindingHash: body.bindingHash });
      await auditChange(c, provider.value.projectId, "provider.test", provider.value.id, { after: { testId: started.testId } });
      return c.json(started, 201);
    },
  }),
  operation({
    method: "get", path: `${PATH}/{testId}`, tag: TAG, summary: "Read a test sign-in's outcome (its starter only)",
    description: "The claims received and what linking would decide (link by subject or verified email, create, or refuse and why); 404 once expired, or for anyone but its starter.",
    load: storedProvider, acceptsSetupLink: readsOwnProvider, responses: { 200: { description: "The outcome", schema: TestOutcome } },
    handler: async (c, { target: provider }) => {
      const testId = c.req.param("testId")!;
      const result = found(await readTestSignIn(c, provider.value.projectId, provider.value.id, testId, consoleActor(c)), "test sign-in", testId);
      return c.json(result);
    },
  }),
];
