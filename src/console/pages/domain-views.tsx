/**
 * What the domain-mapping pages show: the API's views of a mapping and its DNS challenge, the page
 * of one domain (its mapping, its provider, where the project's ownership stands, the TXT record to
 * publish with "Check now", the operator's override, unmapping) and the map-a-domain form. Every
 * form posts to a route of pages/domains.tsx, which calls the admin API.
 */
import type { Child } from "hono/jsx";
import { fieldId, Notice, TextField, type FieldErrors } from "../forms";
import { ConsolePage, CsrfField } from "../layout";
import { PostForm } from "../post-form";
import { ConfirmForm } from "./confirm-form";
import type { ConsoleRequest } from "../page";
import type { Project } from "../project";
import { RecordHeading } from "../record";

export interface DomainView {
  domain: string;
  projectId: string;
  providerId: string;
  verified: boolean;
  verifiedBy?: "dns" | "operator";
  createdAt: string;
  updatedAt: string;
}

export interface ChallengeView {
  domain: string;
  recordName: string;
  recordType: "TXT";
  recordValue: string;
  createdAt: string;
  verified: boolean;
  verifiedBy?: "dns" | "operator";
}

export interface ProviderSummary {
  id: string;
  name: string;
}

/** What the last "Check now" found, as the page reports it. */
export type CheckResult =
  | { outcome: "verified"; by: "dns" | "operator" }
  | { outcome: "not_found"; nameExists: boolean; recordsFound: number }
  | { outcome: "unavailable"; detail: string };

export const LABELS: Record<string, string> = { domain: "Domain", providerId: "Identity provider", confirm: "Confirm" };
/** API path → form field. */
export const FIELDS: Record<string, string> = { domain: "domain", providerId: "providerId" };

export const apiPath = (projectId: string, domain?: string) =>
  `/projects/${encodeURIComponent(projectId)}/domains${domain === undefined ? "" : `/${encodeURIComponent(domain)}`}`;
export const pagePath = (projectId: string, domain?: string) => `/console${apiPath(projectId, domain)}`;

export const verificationText = (verified: boolean, by?: string) =>
  !verified ? "Not verified" : by === "dns" ? "Verified by DNS" : by === "operator" ? "Verified by the operator" : "Verified";

export function DomainsFrame(props: { r: ConsoleRequest; project: Project; title: string; children?: Child }) {
  return (
    <ConsolePage title={props.title} viewer={props.r.viewer} project={props.project} current="domains">
      {props.children}
    </ConsolePage>
  );
}

/** The provider choice: a select when the project has providers, else a pointer to add one. */
export function ProviderSelect(props: { providers: ProviderSummary[]; value: string; errors: FieldErrors; projectId: string }) {
  const { providers, value, errors, projectId } = props;
  const invalid = errors.has("providerId");
  if (providers.length === 0) {
    return (
      <p id={fieldId("providerId")}>
        This project has no identity providers yet: <a href={`/console/projects/${encodeURIComponent(projectId)}/providers`}>add one</a> first.
      </p>
    );
  }
  return (
    <div>
      <label for={fieldId("providerId")}>{LABELS.providerId}</label>
      <select id={fieldId("providerId")} name="providerId" required {...(invalid ? { "aria-invalid": "true", "aria-describedby": "field-providerId-error" } : {})}>
        {providers.map((provider) => (
          <option value={provider.id} {...(provider.id === value ? { selected: true } : {})}>
            {provider.name} ({provider.id})
          </option>
        ))}
      </select>
      {invalid ? (
        <p class="field-error" id="field-providerId-error">
          {errors.get("providerId")}
        </p>
      ) : null}
    </div>
  );
}

/** Map a domain: its name and provider. */
export function MapDomainForm(props: { r: ConsoleRequest; project: Project; providers: ProviderSummary[]; values: { domain: string; providerId: string }; errors: FieldErrors }) {
  const { r, project, providers, values, errors } = props;
  return (
    <PostForm action={`${pagePath(project.id)}/new`} csrf={r.viewer.csrf} errors={errors} labels={LABELS}>
      <TextField name="domain" label={LABELS.domain!} value={values.domain} errors={errors} required maxlength={253} hint="An email domain such as example.com; people whose address ends in it sign in at the provider you choose." />
      <ProviderSelect providers={providers} value={values.providerId} errors={errors} projectId={project.id} />
      <button type="submit" class="inline">
        Map domain
      </button>
    </PostForm>
  );
}

function CheckReport({ result, challenge }: { result: CheckResult; challenge: ChallengeView | null }) {
  if (result.outcome === "verified") return <Notice>Verified: the TXT record is published. {verificationText(true, result.by)}.</Notice>;
  if (result.outcome === "unavailable") {
    return (
      <div role="alert" id="check-result">
        <h3>The DNS resolver is unavailable</h3>
        <p>{result.detail}</p>
      </div>
    );
  }
  return (
    <div role="alert" id="check-result">
      <h3>Not verified yet</h3>
      <p>
        {result.nameExists
          ? `${result.recordsFound} TXT record(s) were found at ${challenge?.recordName ?? "the record name"}, but none carries the value below.`
          : `${challenge?.recordName ?? "The record name"} does not exist in DNS yet.`}{" "}
        Publish the record and check again; a new record can take a while to be visible.
      </p>
    </div>
  );
}

export interface DomainPageState {
  notice?: string;
  check?: CheckResult;
  /** The change-provider form posted against an older version. */
  conflict?: boolean;
  providerValue?: string;
  errors?: FieldErrors;
  /** Errors of the confirm boxes, by form id. */
  confirmErrors?: Map<string, string>;
}

/** One domain: its mapping in this project (if any), its DNS proof, and the operator's override. */
export function DomainPage(props: {
  r: ConsoleRequest; project: Project; domain: string; mapping: DomainView | null; etag: string; challenge: ChallengeView | null;
  providers: ProviderSummary[]; state: DomainPageState;
}) {
  const { r, project, domain, mapping, etag, challenge, providers, state } = props;
  const base = pagePath(project.id, domain);
  const errors = state.errors ?? new Map();
  const verified = mapping?.verified ?? challenge?.verified ?? false;
  const verifiedBy = mapping?.verifiedBy ?? challenge?.verifiedBy;
  const providerName = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const details = (
    <dl>
      <dt>Identity provider</dt>
      <dd>{mapping ? `${providerName(mapping.providerId)} (${mapping.providerId})` : "Not mapped in this project"}</dd>
      <dt>Ownership</dt>
      <dd id="verification">{verificationText(verified, verifiedBy)}</dd>
      {mapping ? (
        <>
          <dt>Last changed</dt>
          <dd>{mapping.updatedAt}</dd>
        </>
      ) : null}
    </dl>
  );
  return (
    <DomainsFrame r={r} project={project} title={domain}>
      <RecordHeading list={{ href: pagePath(project.id), text: "All domain mappings" }} heading={domain} notice={state.notice} conflict={state.conflict}>
        {details}
      </RecordHeading>
      {mapping ? (
        <section aria-labelledby="provider">
          <h2 id="provider">Identity provider</h2>
          <PostForm action={base} csrf={r.viewer.csrf} errors={errors} labels={LABELS} etag={etag}>
            <ProviderSelect providers={providers} value={state.providerValue ?? mapping.providerId} errors={errors} projectId={project.id} />
            <button type="submit" class="inline">
              Change provider
            </button>
          </PostForm>
        </section>
      ) : (
        <section aria-labelledby="map">
          <h2 id="map">Map this domain</h2>
          <MapDomainForm r={r} project={project} providers={providers} values={{ domain, providerId: state.providerValue ?? "" }} errors={errors} />
        </section>
      )}
      <section aria-labelledby="dns">
        <h2 id="dns">Prove ownership by DNS</h2>
        {challenge ? (
          <>
            <p>Publish this TXT record in the domain's DNS, then check it. Fedgate re-checks verified domains regularly, so leave the record in place.</p>
            <dl>
              <dt>Record name</dt>
              <dd>
                <code id="record-name">{challenge.recordName}</code>
              </dd>
              <dt>Type</dt>
              <dd>TXT</dd>
              <dt>Value</dt>
              <dd>
                <code id="record-value">{challenge.recordValue}</code>
              </dd>
            </dl>
            {state.check ? <CheckReport result={state.check} challenge={challenge} /> : null}
            <div class="actions">
              <form method="post" action={`${base}/check`}>
                <CsrfField token={r.viewer.csrf} />
                <button type="submit" class="inline">
                  Check now
                </button>
              </form>
              <form method="post" action={`${base}/challenge`}>
                <CsrfField token={r.viewer.csrf} />
                <button type="submit" class="inline secondary">
                  Issue a new value
                </button>
              </form>
            </div>
          </>
        ) : (
          <form method="post" action={`${base}/challenge`}>
            <CsrfField token={r.viewer.csrf} />
            <p>Fedgate gives you a TXT record to publish; once it is found in DNS, this project's ownership of {domain} is verified.</p>
            <button type="submit" class="inline">
              Get the TXT record
            </button>
          </form>
        )}
      </section>
      {r.me.operator ? (
        <section aria-labelledby="override">
          <h2 id="override">Operator's override</h2>
          <p>As the platform operator you can record that this project owns {domain} without a DNS proof, or withdraw its verification however it was given. Both are audited.</p>
          {verified ? (
            <ConfirmForm r={r} action={`${base}/unverify`} id="field-confirm-unverify" label={`I want to withdraw this project's verified ownership of ${domain}.`} submit="Withdraw verification" error={state.confirmErrors?.get("unverify")} danger />
          ) : (
            <ConfirmForm r={r} action={`${base}/verify`} id="field-confirm-verify" label={`I have checked that this project owns ${domain}.`} submit="Verify without DNS" error={state.confirmErrors?.get("verify")} />
          )}
        </section>
      ) : null}
      {mapping ? (
        <section aria-labelledby="unmap">
          <h2 id="unmap">Unmap</h2>
          <ConfirmForm r={r} action={`${base}/delete`} id="field-confirm-delete" label={`I understand that people at ${domain} are no longer sent to ${providerName(mapping.providerId)}.`} submit="Unmap domain" error={state.confirmErrors?.get("delete")} danger />
        </section>
      ) : null}
    </DomainsFrame>
  );
}
