/**
 * Steps 1 to 3: choose the identity provider's kind (a GET form: nothing changes), see what to
 * register there (the callback URL and the kind's other values), and enter the issuer, client id and
 * secret. Step 3 creates the link's one provider through the admin API (which checks the issuer's
 * discovery document and answers on the issuer field), or changes its client id and secret once it
 * exists (If-Match). The secret is write-only: never rendered.
 */
import { Choices, ErrorSummary, errorsFromProblem, fieldId, Notice, TextField, type FieldErrors } from "../../console/forms";
import { CsrfField, respond, StepFrame } from "../frame";
import type { SetupRequest } from "../request";
import { KINDS, kindGuide } from "./kinds";

/** The provider as the API shows it (the fields these pages read). */
interface ProviderView {
  id: string;
  name: string;
  kind: string;
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
}

const LABELS: Record<string, string> = { kind: "Identity provider", name: "Name", issuer: "Issuer URL", clientId: "Client id", clientSecret: "Client secret" };
/** API path → form field. */
const FIELDS: Record<string, string> = { kind: "kind", name: "name", issuer: "issuer", clientId: "clientId", clientSecret: "clientSecret" };

const path = (r: SetupRequest, step: string) => `/setup/${r.token}/${step}`;
const providerPath = (r: SetupRequest) => `/projects/${encodeURIComponent(r.setup.projectId)}/providers/${encodeURIComponent(r.setup.providerId)}`;

/** The link's provider, once created (with its ETag). */
async function provider(r: SetupRequest): Promise<{ view: ProviderView; etag: string } | null> {
  if (!r.setup.providerCreated) return null;
  const answer = await r.api.call<ProviderView>("GET", providerPath(r));
  return answer.ok ? { view: answer.body, etag: answer.etag ?? "" } : null;
}

const frame = (r: SetupRequest, current: "provider" | "register" | "credentials", title: string) => ({
  title, token: r.token, organization: r.setup.organization, projectName: r.setup.projectName, current,
});

function KindPage({ r, kind, errors }: { r: SetupRequest; kind: string; errors: FieldErrors }) {
  return (
    <StepFrame {...frame(r, "provider", "Choose your identity provider")}>
      <h1>Choose your identity provider</h1>
      <p>
        {r.setup.projectName} asks {r.setup.organization} to set up single sign-on: people with your organisation's email addresses will sign in
        with your own identity provider. This link lets you add that provider and prove your email domains, nothing else.
      </p>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="get" action={path(r, "register")}>
        <Choices name="kind" label="Where do your people sign in?" options={KINDS.map(({ value, label }) => ({ value, label }))} checked={[kind]} multiple={false} errors={errors} />
        <button type="submit" class="inline">
          Continue
        </button>
      </form>
    </StepFrame>
  );
}

/** Step 1: the kind (fixed once the provider exists). */
export async function kindStep(r: SetupRequest): Promise<Response> {
  const made = await provider(r);
  if (made) {
    return respond(
      <StepFrame {...frame(r, "provider", "Choose your identity provider")}>
        <h1>Choose your identity provider</h1>
        <Notice>You added {kindGuide(made.view.kind)?.label ?? made.view.kind} already; it cannot change through this link.</Notice>
        <p>
          <a href={`${path(r, "register")}?kind=${made.view.kind}`}>Continue: what to register there</a>
        </p>
      </StepFrame>,
    );
  }
  return respond(<KindPage r={r} kind={r.c.req.query("kind") ?? ""} errors={new Map()} />);
}

/** Step 2: what to register at the provider; a missing or unknown kind goes back to step 1, naming the field. */
export async function registerStep(r: SetupRequest): Promise<Response> {
  const made = await provider(r);
  const guide = kindGuide(made?.view.kind ?? r.c.req.query("kind"));
  if (!guide) return respond(<KindPage r={r} kind="" errors={new Map([["kind", "choose one of the providers listed"]])} />, 400);
  return respond(
    <StepFrame {...frame(r, "register", "Register Fedgate at your provider")}>
      <h1>Register Fedgate at {guide.label}</h1>
      <p>{guide.where}</p>
      <dl id="register-values">
        {guide.values.map((value) => (
          <>
            <dt>{value.name}</dt>
            <dd>{value.value === "{callback}" ? <code id="callback-url">{r.setup.callbackUrl}</code> : value.value}</dd>
          </>
        ))}
      </dl>
      <p>Keep the client id and client secret it gives you for the next step.</p>
      <p>
        <a href={`${path(r, "credentials")}?kind=${guide.value}`}>Continue: enter the issuer and client</a>
      </p>
    </StepFrame>,
  );
}

/** The client secret: a password field that is never filled in. */
function SecretField({ errors, editing }: { errors: FieldErrors; editing: boolean }) {
  const invalid = errors.has("clientSecret");
  const describedBy = ["field-clientSecret-hint", invalid ? "field-clientSecret-error" : ""].filter(Boolean).join(" ");
  return (
    <div>
      <label for={fieldId("clientSecret")}>{LABELS.clientSecret}</label>
      <input type="password" id={fieldId("clientSecret")} name="clientSecret" value="" autocomplete="off" maxlength={2000} aria-describedby={describedBy} {...(invalid ? { "aria-invalid": "true" } : {})} />
      <p class="hint" id="field-clientSecret-hint">
        {editing ? "Leave empty to keep the secret you entered before." : "The secret your provider gave this application. It is stored sealed and never shown again."}
      </p>
      {invalid ? (
        <p class="field-error" id="field-clientSecret-error">
          {errors.get("clientSecret")}
        </p>
      ) : null}
    </div>
  );
}

interface CredentialsValues {
  kind: string;
  name: string;
  issuer: string;
  clientId: string;
}

function CredentialsPage(props: { r: SetupRequest; values: CredentialsValues; errors: FieldErrors; made: { view: ProviderView; etag: string } | null; saved?: boolean }) {
  const { r, values, errors, made, saved } = props;
  const guide = kindGuide(values.kind);
  return (
    <StepFrame {...frame(r, "credentials", "Enter the issuer and client")}>
      <h1>Enter the issuer and client of {guide?.label ?? "your provider"}</h1>
      {saved ? <Notice>Saved. Your provider is added; test a sign-in next.</Notice> : null}
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="post" action={path(r, "credentials")}>
        <CsrfField token={r.csrf} />
        <input type="hidden" name="kind" value={values.kind} />
        {made ? (
          <>
            <input type="hidden" name="etag" value={made.etag} />
            <p>
              Issuer: <code id="issuer">{made.view.issuer}</code> (it cannot change; ask the administrators who sent this link if it is wrong).
            </p>
          </>
        ) : (
          <>
            <TextField name="issuer" label={LABELS.issuer!} value={values.issuer} errors={errors} required maxlength={500} hint={`${guide?.issuerHint ?? ""} Fedgate reads its discovery document before saving.`} />
            <TextField name="name" label={LABELS.name!} value={values.name} errors={errors} required maxlength={200} hint="How this provider is named to the project's administrators." />
          </>
        )}
        <TextField name="clientId" label={LABELS.clientId!} value={values.clientId} errors={errors} required maxlength={500} />
        <SecretField errors={errors} editing={made !== null} />
        <button type="submit" class="inline">
          {made ? "Save changes" : "Add the provider"}
        </button>
      </form>
      {made ? (
        <p>
          <a href={path(r, "test")}>Continue: test a sign-in</a>
        </p>
      ) : null}
    </StepFrame>
  );
}

/** Step 3, the form: empty for a new provider; the client id (never the secret) of one made already. */
export async function credentialsStep(r: SetupRequest): Promise<Response> {
  const made = await provider(r);
  const kind = made?.view.kind ?? r.c.req.query("kind") ?? "";
  if (!kindGuide(kind)) return respond(<KindPage r={r} kind="" errors={new Map([["kind", "choose one of the providers listed"]])} />, 400);
  const values = { kind, name: made?.view.name ?? r.setup.organization, issuer: made?.view.issuer ?? "", clientId: made?.view.clientId ?? "" };
  return respond(<CredentialsPage r={r} values={values} errors={new Map()} made={made} saved={r.c.req.query("notice") === "saved"} />);
}

/** Step 3, posted: creates the provider (or changes its client), answering each refusal on its field. */
export async function saveCredentials(r: SetupRequest): Promise<Response> {
  const text = (name: string) => r.form.get(name) ?? "";
  const values = { kind: text("kind"), name: text("name"), issuer: text("issuer").trim(), clientId: text("clientId").trim() };
  const secret = text("clientSecret");
  const made = await provider(r);
  const guide = kindGuide(made?.view.kind ?? values.kind);
  if (!guide) return respond(<KindPage r={r} kind="" errors={new Map([["kind", "choose one of the providers listed"]])} />, 400);
  const answer = made
    ? await r.api.call("PATCH", providerPath(r), { ifMatch: text("etag"), body: { clientId: values.clientId, ...(secret ? { clientSecret: secret } : {}) } })
    : await r.api.call("POST", `/projects/${encodeURIComponent(r.setup.projectId)}/providers`, {
      body: { id: r.setup.providerId, kind: guide.value, name: values.name, issuer: values.issuer, clientId: values.clientId, ...(secret ? { clientSecret: secret } : {}), scopes: guide.scopes },
    });
  if (answer.ok) return r.c.redirect(`${path(r, "credentials")}?notice=saved`, 303);
  // The discovery check's refusals (422 unusable, 502 unreachable) are about the issuer.
  const errors = answer.status === 422 || answer.status === 502 ? new Map([["issuer", answer.problem.detail ?? answer.problem.title]]) : errorsFromProblem(answer.problem, FIELDS);
  const current = made ? await provider(r) : null;
  return respond(<CredentialsPage r={r} values={{ ...values, kind: guide.value }} errors={errors} made={current} />, answer.status);
}
