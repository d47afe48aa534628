/**
 * Step 5: the organisation's email domains. Adding one asks the admin API for its DNS challenge
 * (the TXT record to publish); "Check now" asks the API to look for it, and once the project's
 * ownership is verified the domain is mapped to the link's provider, so people of that domain are
 * sent to it. Every refusal is shown on the page, on the domain field where it is about the name.
 */
import { ErrorSummary, errorsFromProblem, Notice, TextField, type FieldErrors } from "../../console/forms";
import { CsrfField, respond, StepFrame } from "../frame";
import type { SetupRequest } from "../request";

interface ChallengeView {
  domain: string;
  recordName: string;
  recordValue: string;
  verified: boolean;
}

const LABELS: Record<string, string> = { domain: "Email domain" };
const projectPath = (r: SetupRequest) => `/projects/${encodeURIComponent(r.setup.projectId)}`;
const challengePath = (r: SetupRequest, domain: string) => `${projectPath(r)}/domain-challenges/${encodeURIComponent(domain)}`;

/** The challenge of each of the link's domains not yet verified (the record to publish). */
async function challenges(r: SetupRequest): Promise<Map<string, ChallengeView>> {
  const pending = r.setup.domains.filter((domain) => !domain.verified);
  const answers = await Promise.all(pending.map((domain) => r.api.call<ChallengeView>("GET", challengePath(r, domain.domain))));
  return new Map(answers.flatMap((answer) => (answer.ok ? [[answer.body.domain, answer.body] as const] : [])));
}

function DomainsPage(props: { r: SetupRequest; records: Map<string, ChallengeView>; value: string; errors: FieldErrors; report?: { domain: string; text: string; ok: boolean } }) {
  const { r, records, value, errors, report } = props;
  const action = `/setup/${r.token}/domains`;
  return (
    <StepFrame title="Prove your domains" token={r.token} organization={r.setup.organization} projectName={r.setup.projectName} current="domains">
      <h1>Prove your email domains</h1>
      <p>
        For each email domain of your organisation, publish a DNS TXT record. Once Fedgate finds it, people whose address ends in that domain are sent to
        your provider when they sign in to {r.setup.projectName}. Until then nobody is sent to it.
      </p>
      {!r.setup.providerCreated ? (
        <p>
          Add your provider first: <a href={`/setup/${r.token}/provider`}>choose it</a>.
        </p>
      ) : null}
      {report ? (
        report.ok ? (
          <Notice>{report.text}</Notice>
        ) : (
          <p role="alert" id="check-result">
            {report.domain}: {report.text}
          </p>
        )
      ) : null}
      {r.setup.domains.length > 0 ? (
        <table>
          <caption class="visually-hidden">Your domains</caption>
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">State</th>
              <th scope="col">TXT record to publish</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {r.setup.domains.map((domain) => {
              const record = records.get(domain.domain);
              return (
                <tr>
                  <td>{domain.domain}</td>
                  <td id={`state-${domain.domain}`}>{domain.mapped ? "Verified; people are sent to your provider" : domain.verified ? "Verified" : "Not verified yet"}</td>
                  <td>
                    {record && !domain.verified ? (
                      <>
                        Name <code>{record.recordName}</code>, value <code class="secret">{record.recordValue}</code>
                      </>
                    ) : (
                      "Published"
                    )}
                  </td>
                  <td>
                    {domain.mapped ? null : (
                      <form method="post" action={`${action}/check`}>
                        <CsrfField token={r.csrf} />
                        <input type="hidden" name="domain" value={domain.domain} />
                        <button type="submit" class="inline" aria-label={`Check now: ${domain.domain}`}>
                          Check now
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <h2>Add a domain</h2>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="post" action={action}>
        <CsrfField token={r.csrf} />
        <TextField name="domain" label={LABELS.domain!} value={value} errors={errors} required maxlength={253} hint="Such as example.com: the part of your people's email addresses after the @." />
        <button type="submit" class="inline">
          Add domain
        </button>
      </form>
      <p>
        <a href={`/setup/${r.token}/done`}>Continue: finish</a>
      </p>
    </StepFrame>
  );
}

/** Step 5: the link's domains with their records, and the form to add one. */
export async function domainsStep(r: SetupRequest): Promise<Response> {
  return respond(<DomainsPage r={r} records={await challenges(r)} value="" errors={new Map()} />);
}

/** Re-reads the setup (after a change) and renders the page. */
async function again(r: SetupRequest, status: number, extra: { value?: string; errors?: FieldErrors; report?: { domain: string; text: string; ok: boolean } }): Promise<Response> {
  const own = await r.api.call<SetupRequest["setup"]>("GET", "/setup-link");
  const next = own.ok ? { ...r, setup: own.body } : r;
  return respond(<DomainsPage r={next} records={await challenges(next)} value={extra.value ?? ""} errors={extra.errors ?? new Map()} {...(extra.report ? { report: extra.report } : {})} />, status);
}

/** Step 5, posted: takes on a domain (its DNS challenge). */
export async function addDomain(r: SetupRequest): Promise<Response> {
  const domain = (r.form.get("domain") ?? "").trim();
  if (!domain) return again(r, 400, { errors: new Map([["domain", "enter a domain such as example.com"]]) });
  const answer = await r.api.call("POST", challengePath(r, domain));
  if (answer.ok) return r.c.redirect(`/setup/${r.token}/domains`, 303);
  const mapped = errorsFromProblem(answer.problem, { domain: "domain" });
  // Refusals about the name itself come without a field: they are the domain field's.
  const errors: FieldErrors = new Map([["domain", mapped.get("domain") ?? mapped.get("") ?? answer.problem.title]]);
  return again(r, answer.status, { value: domain, errors });
}

/** Step 5, "Check now": looks for the TXT record; once verified, maps the domain to the link's provider. */
export async function checkDomain(r: SetupRequest): Promise<Response> {
  const domain = (r.form.get("domain") ?? "").trim();
  if (!r.setup.domains.some((own) => own.domain === domain)) return again(r, 400, { errors: new Map([["domain", "not one of your domains here"]]) });
  const check = await r.api.call("POST", `${challengePath(r, domain)}/check`);
  if (!check.ok && check.status !== 404) {
    const text = check.status === 422 ? `${check.problem.detail ?? "The TXT record was not found."}` : check.problem.detail ?? check.problem.title;
    return again(r, check.status, { report: { domain, text, ok: false } });
  }
  const mapped = await r.api.call("POST", `${projectPath(r)}/domains`, { body: { domain, providerId: r.setup.providerId } });
  if (!mapped.ok) return again(r, mapped.status, { report: { domain, text: mapped.problem.detail ?? mapped.problem.title, ok: false } });
  return again(r, 200, { report: { domain, text: `${domain} is verified: people of this domain are now sent to your provider.`, ok: true } });
}
