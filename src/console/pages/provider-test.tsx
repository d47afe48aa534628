/**
 * Test sign-in at a provider: the "Test sign-in" button starts a real upstream sign-in through the
 * admin API (`POST …/providers/{id}/test-sign-ins`, audited `provider.test`), the browser signs in at
 * the provider and comes back here, and the page shows the claims received and what linking would
 * decide, with nothing written. The browser-binding cookie is made here (the API gets only its hash);
 * the outcome is shown only to the console session that started it.
 */
import { base64url } from "jose";
import { pageError } from "../admin-client";
import { sha256 } from "../../encoding";
import { Notice } from "../forms";
import { ClaimsList, type TestClaims } from "../../ui/test-claims";
import { ConsolePage, CsrfField } from "../layout";
import type { ConsolePages, ConsoleRequest } from "../page";
import type { ProviderView } from "./provider-form";

interface Project {
  id: string;
  name: string;
}

type Verdict =
  | { decision: "link"; via: "subject" | "email"; userId: string; linkableEmail: boolean }
  | { decision: "create"; linkableEmail: boolean }
  | { decision: "refuse"; reason: string; userId?: string; linkableEmail: boolean };

type TestResult = { testId: string; requester: { session: string }; at: string } & (
  | { ok: true; claims: TestClaims; raw: Record<string, unknown>; linking: Verdict }
  | { ok: false; stage: string; reason: string }
);

const providerApi = (projectId: string, providerId: string) => `/projects/${encodeURIComponent(projectId)}/providers/${encodeURIComponent(providerId)}`;
const pagePath = (projectId: string, providerId: string) => `/console${providerApi(projectId, providerId)}`;
/** The tag the API keeps of this console session: only a page in the same session shows the outcome. */
const sessionTag = (r: ConsoleRequest) => sha256(`provider-test:${r.session.key}`);

const REFUSALS: Record<string, string> = {
  user_disabled: "the user it would be is disabled",
  not_provisioned: "no user holds this identity or a linkable email, and the provider does not create users",
  identity_conflict: "the user with this verified email already holds another subject of this provider",
};

function VerdictText({ verdict, project }: { verdict: Verdict; project: Project }) {
  const user = (id: string) => <a href={`/console/projects/${encodeURIComponent(project.id)}/users/${encodeURIComponent(id)}`}>{id}</a>;
  const email = verdict.linkableEmail
    ? "The email is linkable: verified, and this provider is authoritative for its domain."
    : "The email is not linkable (not verified, the provider links by subject only, or another provider or none is mapped for its domain).";
  return (
    <>
      <p id="verdict">
        {verdict.decision === "link" ? (
          <>
            Would sign in as the existing user {user(verdict.userId)}, found by {verdict.via === "subject" ? "this provider's subject" : "verified email (this subject would be attached to it)"}.
          </>
        ) : verdict.decision === "create" ? (
          <>Would create a new user{verdict.linkableEmail ? " with the email stored as verified" : " with the email stored unverified"}.</>
        ) : (
          <>
            Would refuse the sign-in: {REFUSALS[verdict.reason] ?? verdict.reason}
            {verdict.userId ? <> (user {user(verdict.userId)})</> : null}.
          </>
        )}
      </p>
      <p>{email}</p>
    </>
  );
}

function ResultPage({ r, project, provider, result }: { r: ConsoleRequest; project: Project; provider: ProviderView; result: TestResult }) {
  return (
    <ConsolePage title={`Test sign-in: ${provider.name}`} viewer={r.viewer} project={project} current="providers">
      <p>
        <a href={pagePath(project.id, provider.id)}>Back to {provider.name}</a>
      </p>
      <h1>Test sign-in: {provider.name}</h1>
      <Notice>Nothing was written: no user was created or linked, and no token was issued.</Notice>
      {result.ok ? (
        <>
          <section aria-labelledby="claims">
            <h2 id="claims">Claims received</h2>
            <ClaimsList claims={result.claims} full />
            <h3>All claims (ID token over userinfo)</h3>
            <pre class="claims">{JSON.stringify(result.raw, null, 2)}</pre>
          </section>
          <section aria-labelledby="linking">
            <h2 id="linking">How linking would decide</h2>
            <VerdictText verdict={result.linking} project={project} />
          </section>
        </>
      ) : (
        <div role="alert" id="test-failed">
          <h2>The test sign-in failed</h2>
          <p>
            {result.stage === "upstream" ? "The provider did not complete the sign-in" : "The provider's answer could not be accepted"}: <code>{result.reason}</code>
          </p>
        </div>
      )}
    </ConsolePage>
  );
}

export function providerTestPages(pages: ConsolePages): void {
  pages.post("/projects/:projectId/providers/:providerId/test", async (r) => {
    const projectId = r.param("projectId");
    const providerId = r.param("providerId");
    const [{ body: project }, { body: provider }] = await Promise.all([
      r.api.must<Project>("GET", `/projects/${encodeURIComponent(projectId)}`), r.api.must<ProviderView>("GET", providerApi(projectId, providerId)),
    ]);
    const binding = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const { body: started } = await r.api.must<{ testId: string; authorizationUrl: string; bindingCookie: string }>("POST", `${providerApi(project.id, provider.id)}/test-sign-ins`, {
      body: { returnTo: `${pagePath(project.id, provider.id)}/test`, bindingHash: await sha256(binding), session: await sessionTag(r) },
    });
    // A link, not a redirect: the strict CSP's form-action would stop a form post redirected to the provider.
    const response = r.render(
      <ConsolePage title={`Test sign-in: ${provider.name}`} viewer={r.viewer} project={project} current="providers">
        <h1>Test sign-in: {provider.name}</h1>
        <p>Sign in at the provider as the person to test. You come back here to see what it sent and how linking would decide; nothing is written.</p>
        <p>
          <a id="continue" href={started.authorizationUrl}>
            Continue to {provider.name}
          </a>
        </p>
      </ConsolePage>,
    );
    const secure = r.c.get("config").issuer.startsWith("https:") ? "; Secure" : "";
    response.headers.append("Set-Cookie", `${started.bindingCookie}=${binding}; Path=/auth/callback; Max-Age=600; HttpOnly; SameSite=Lax${secure}`);
    return response;
  });

  pages.get("/projects/:projectId/providers/:providerId/test", async (r) => {
    const projectId = r.param("projectId");
    const providerId = r.param("providerId");
    const [{ body: project }, { body: provider }] = await Promise.all([
      r.api.must<Project>("GET", `/projects/${encodeURIComponent(projectId)}`), r.api.must<ProviderView>("GET", providerApi(projectId, providerId)),
    ]);
    const testId = r.c.req.query("test") ?? "";
    const answer = /^[A-Za-z0-9_-]{20,100}$/.test(testId) ? await r.api.call<TestResult>("GET", `${providerApi(project.id, provider.id)}/test-sign-ins/${testId}`) : null;
    if (answer && !answer.ok && answer.status !== 404) throw pageError(answer.problem);
    if (!answer?.ok || answer.body.requester.session !== (await sessionTag(r))) {
      return r.render(
        <ConsolePage title="Test sign-in" viewer={r.viewer} project={project} current="providers">
          <h1>Test sign-in: {provider.name}</h1>
          <p>There is no test sign-in outcome to show here: it expired (after 10 minutes) or was started in another session.</p>
          <form method="post" action={`${pagePath(project.id, provider.id)}/test`}>
            <CsrfField token={r.viewer.csrf} />
            <button type="submit" class="inline">
              Test sign-in again
            </button>
          </form>
        </ConsolePage>,
        404,
      );
    }
    return r.render(<ResultPage r={r} project={project} provider={provider} result={answer.body} />);
  });
}
