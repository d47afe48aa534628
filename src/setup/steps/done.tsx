/**
 * Step 6: what the setup made, and "Complete setup", which completes the link through the admin API
 * (audited `setup-link.complete`): from then on the link no longer works, and the summary shown here
 * is the last page it gives.
 */
import { ErrorSummary } from "../../console/forms";
import { CsrfField, respond, StepFrame } from "../frame";
import type { OwnSetup } from "../link-api";
import type { SetupRequest } from "../request";

function Summary({ setup }: { setup: OwnSetup }) {
  return (
    <dl id="summary">
      <dt>Identity provider</dt>
      <dd>{setup.providerCreated ? "Added" : "Not added yet"}</dd>
      <dt>Callback URL</dt>
      <dd>
        <code>{setup.callbackUrl}</code>
      </dd>
      <dt>Domains</dt>
      <dd>
        {setup.domains.length === 0 ? (
          "None"
        ) : (
          <ul>
            {setup.domains.map((domain) => (
              <li>
                {domain.domain}: {domain.mapped ? "verified, people are sent to your provider" : domain.verified ? "verified, not yet sent to your provider" : "not verified; nobody is sent to your provider"}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

const frame = (r: SetupRequest) => ({ title: "Finish", token: r.token, organization: r.setup.organization, projectName: r.setup.projectName, current: "done" as const });

function FinishPage({ r, error }: { r: SetupRequest; error?: string }) {
  return (
    <StepFrame {...frame(r)}>
      <h1>Finish the setup</h1>
      <ErrorSummary errors={new Map(error ? [["", error]] : [])} labels={{}} />
      <Summary setup={r.setup} />
      {r.setup.providerCreated ? (
        <>
          <p>Completing ends this link: nothing more can be changed through it. Domains not verified by then stay unverified; ask the project's administrators to finish them.</p>
          <form method="post" action={`/setup/${r.token}/done`}>
            <CsrfField token={r.csrf} />
            <button type="submit" class="inline">
              Complete setup
            </button>
          </form>
        </>
      ) : (
        <p>
          Add your provider before completing: <a href={`/setup/${r.token}/provider`}>choose it</a>.
        </p>
      )}
    </StepFrame>
  );
}

export async function doneStep(r: SetupRequest): Promise<Response> {
  return respond(<FinishPage r={r} />);
}

/** Completes the link; the summary is the answer (the link works no more, so no page of it could show it later). */
export async function complete(r: SetupRequest): Promise<Response> {
  const answer = await r.api.call<OwnSetup>("POST", "/setup-link/complete");
  if (!answer.ok) return respond(<FinishPage r={r} error={answer.problem.detail ?? answer.problem.title} />, answer.status);
  return respond(
    <StepFrame {...frame({ ...r, setup: answer.body })}>
      <h1>Single sign-on is set up</h1>
      <p role="status">
        Thank you. {answer.body.projectName}'s administrators can see what was set up. This link no longer works; keep this page if you need the details below.
      </p>
      <Summary setup={answer.body} />
    </StepFrame>,
  );
}
