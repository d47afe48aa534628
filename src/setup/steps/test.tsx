/**
 * Step 4: a test sign-in at the link's provider, through the admin API's test sign-ins (the federation
 * test sign-in: a real upstream sign-in that writes nothing). Starting sets the browser-binding
 * cookie (the API gets only its hash) and a short-lived return cookie holding the link's token,
 * scoped to `/setup/return/<linkId>`: the callback sends the browser there, and that page sends it
 * back to this step, so the token is never stored with the sign-in. Only the browser that started
 * the test (tagged by its link cookie) sees the outcome: the claims and what linking would decide.
 */
import type { Context } from "hono";
import { base64url } from "jose";
import { sha256 } from "../../encoding";
import type { AppEnv } from "../../env";
import { Notice } from "../../console/forms";
import { ClaimsList, type TestClaims } from "../../ui/test-claims";
import { CsrfField, respond, StepFrame } from "../frame";
import { cookieHeader, cookieOf, type SetupRequest } from "../request";

const RETURN_COOKIE = "fedgate-setup-return";
const TEST_ID = /^[A-Za-z0-9_-]{20,100}$/;

type Verdict =
  | { decision: "link"; via: "subject" | "email"; userId: string; linkableEmail: boolean }
  | { decision: "create"; linkableEmail: boolean }
  | { decision: "refuse"; reason: string; linkableEmail: boolean };

type TestResult = { requester: { session: string } } & (
  | { ok: true; claims: TestClaims; linking: Verdict }
  | { ok: false; stage: string; reason: string }
);

const testsPath = (r: SetupRequest) => `/projects/${encodeURIComponent(r.setup.projectId)}/providers/${encodeURIComponent(r.setup.providerId)}/test-sign-ins`;
/** The tag the API keeps of this browser: only it sees the outcome. */
const browserTag = (r: SetupRequest) => sha256(`setup-test:${r.csrf}`);
const frame = (r: SetupRequest) => ({ title: "Test a sign-in", token: r.token, organization: r.setup.organization, projectName: r.setup.projectName, current: "test" as const });

function verdictText(verdict: Verdict): string {
  if (verdict.decision === "link") return `This person would sign in as an existing user of the project, found by ${verdict.via === "subject" ? "their account at your provider" : "their verified email"}.`;
  if (verdict.decision === "create") return "This person would get a new account at first sign-in.";
  return `This sign-in would be refused (${verdict.reason.replace(/_/g, " ")}); the project's administrators can tell you why.`;
}

function StartForm({ r, again }: { r: SetupRequest; again: boolean }) {
  return (
    <form method="post" action={`/setup/${r.token}/test`}>
      <CsrfField token={r.csrf} />
      <button type="submit" class="inline">
        {again ? "Test again" : "Start a test sign-in"}
      </button>
    </form>
  );
}

/** Step 4: the outcome of this browser's test (`?test=`), or the button that starts one. */
export async function testStep(r: SetupRequest): Promise<Response> {
  if (!r.setup.providerCreated) {
    return respond(
      <StepFrame {...frame(r)}>
        <h1>Test a sign-in</h1>
        <p>
          Add your provider first: <a href={`/setup/${r.token}/provider`}>choose it</a> and enter its issuer and client.
        </p>
      </StepFrame>,
    );
  }
  const testId = r.c.req.query("test") ?? "";
  const answer = TEST_ID.test(testId) ? await r.api.call<TestResult>("GET", `${testsPath(r)}/${testId}`) : null;
  const result = answer?.ok && answer.body.requester.session === (await browserTag(r)) ? answer.body : null;
  return respond(
    <StepFrame {...frame(r)}>
      <h1>Test a sign-in</h1>
      {result === null ? (
        <>
          {testId ? <p role="alert">There is no test outcome to show: it expired (after 10 minutes) or was started in another browser.</p> : null}
          <p>Sign in at your provider as someone of your organisation. You come back here to see what your provider sent; nothing is written and nobody is signed in to the project.</p>
          <StartForm r={r} again={false} />
        </>
      ) : result.ok ? (
        <>
          <Notice>The test sign-in worked. Nothing was written.</Notice>
          <ClaimsList claims={result.claims} unverified="no (ask your provider to send email_verified)" />
          <h2>What would happen</h2>
          <p id="verdict">{verdictText(result.linking)}</p>
          <p>
            <a href={`/setup/${r.token}/domains`}>Continue: prove your domains</a>
          </p>
          <StartForm r={r} again />
        </>
      ) : (
        <>
          <div role="alert" id="test-failed">
            <h2>The test sign-in failed</h2>
            <p>
              {result.stage === "upstream" ? "Your provider did not complete the sign-in" : "Your provider's answer could not be accepted"}: <code>{result.reason}</code>
            </p>
            <p>Check the values of step 2 at your provider, and the client id and secret of step 3.</p>
          </div>
          <StartForm r={r} again />
        </>
      )}
    </StepFrame>,
  );
}

/** Step 4, posted: starts a test and links to the provider (a redirect after a form post would be held to the CSP's form-action). */
export async function startTest(r: SetupRequest): Promise<Response> {
  const binding = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const answer = await r.api.call<{ authorizationUrl: string; bindingCookie: string }>("POST", testsPath(r), {
    body: { returnTo: `/setup/return/${r.setup.linkId}`, bindingHash: await sha256(binding), session: await browserTag(r) },
  });
  if (!answer.ok) {
    return respond(
      <StepFrame {...frame(r)}>
        <h1>Test a sign-in</h1>
        <p role="alert" id="test-failed">
          The test could not start: {answer.problem.detail ?? answer.problem.title}
        </p>
        <StartForm r={r} again />
      </StepFrame>,
      answer.status,
    );
  }
  const response = respond(
    <StepFrame {...frame(r)}>
      <h1>Test a sign-in</h1>
      <p>Sign in at your provider as someone of your organisation; you come back here afterwards.</p>
      <p>
        <a id="continue" href={answer.body.authorizationUrl}>
          Continue to your provider
        </a>
      </p>
    </StepFrame>,
  );
  response.headers.append("Set-Cookie", cookieHeader(r.c, answer.body.bindingCookie, binding, "/auth/callback", 600));
  response.headers.append("Set-Cookie", cookieHeader(r.c, RETURN_COOKIE, r.token, `/setup/return/${r.setup.linkId}`, 600));
  return response;
}

/** Where the test's callback sends the browser: back to step 4 of the link whose token its return cookie holds. */
export function testReturn(c: Context<AppEnv>): Response {
  const linkId = c.req.param("linkId") ?? "";
  const token = cookieOf(c, RETURN_COOKIE);
  const testId = c.req.query("test") ?? "";
  if (!/^sul_[a-z2-7]{16}$/.test(linkId) || !token || !/^[A-Za-z0-9_-]{43}$/.test(token) || !TEST_ID.test(testId)) {
    return respond(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Test sign-in · Fedgate SSO setup</title>
        </head>
        <body>
          <main>
            <h1>This test sign-in cannot be shown here</h1>
            <p>Open your setup link again and start a new test: tests are shown only in the browser that started them, for 10 minutes.</p>
          </main>
        </body>
      </html>,
      400,
    );
  }
  const response = c.redirect(`/setup/${token}/test?test=${testId}`, 303);
  response.headers.append("Set-Cookie", cookieHeader(c, RETURN_COOKIE, "", `/setup/return/${linkId}`, 0));
  return response;
}
