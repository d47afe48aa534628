/**
 * A project's email-domain mappings: the list with each domain's provider and whether the project's
 * ownership is verified (and how); mapping a domain, changing its provider (If-Match, a conflict
 * shows the mapping as it is now), unmapping; proving ownership by a DNS TXT record (issue the
 * challenge, "Check now": verified, what was found, or a resolver outage); and, for the operator,
 * the manual verification override. Every read and write is the admin API's (page.ts).
 */
import { pageError, type ApiAnswer, type ApiProblem } from "../admin-client";
import { errorsFromProblem, Notice, type FieldErrors } from "../forms";
import { pageQuery, RecordList } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { projectOf, type Project } from "../project";
import { isStale, noticeOf } from "../record";
import {
  apiPath, DomainPage, DomainsFrame, FIELDS, MapDomainForm, pagePath, verificationText,
  type ChallengeView, type CheckResult, type DomainPageState, type DomainView, type ProviderSummary,
} from "./domain-views";

/** The project's providers (one page of 100: a select of more would not be usable anyway). */
async function providersOf(r: ConsoleRequest, project: Project): Promise<ProviderSummary[]> {
  const { body } = await r.api.must<{ items: ProviderSummary[] }>("GET", `/projects/${encodeURIComponent(project.id)}/providers?limit=100`);
  return body.items.map(({ id, name }) => ({ id, name }));
}

const challengePath = (projectId: string, domain: string) => `/projects/${encodeURIComponent(projectId)}/domain-challenges/${encodeURIComponent(domain)}`;

/** A read that may find nothing: the body, or null on 404 (any other refusal is the error page). */
async function optional<T>(r: ConsoleRequest, path: string): Promise<{ body: T; etag: string | null } | null> {
  const answer = await r.api.call<T>("GET", path);
  if (answer.ok) return answer;
  if (answer.status === 404) return null;
  throw pageError(answer.problem);
}

/** A 409 on mapping names the domain: another project holds it, or this one maps it already. */
function mapErrors(answer: Extract<ApiAnswer<unknown>, { ok: false }>): FieldErrors {
  if (answer.status === 409) return new Map([["domain", answer.problem.detail ?? answer.problem.title]]);
  return errorsFromProblem(answer.problem, FIELDS);
}

/** The page of the domain in the path, read now, with `state` (a domain the project neither maps nor challenges yet can be mapped or proved from it). */
async function domainPage(r: ConsoleRequest, project: Project, status: number, state: DomainPageState = {}): Promise<Response> {
  const domain = r.param("domain");
  const [mapping, challenge, providers] = await Promise.all([
    optional<DomainView>(r, apiPath(project.id, domain)), optional<ChallengeView>(r, challengePath(project.id, domain)), providersOf(r, project),
  ]);
  const name = mapping?.body.domain ?? challenge?.body.domain ?? domain.toLowerCase();
  return r.render(
    <DomainPage r={r} project={project} domain={name} mapping={mapping?.body ?? null} etag={mapping?.etag ?? ""} challenge={challenge?.body ?? null} providers={providers} state={state} />,
    status,
  );
}

/** What the API's check answered, as the page reports it. */
function checkResult(answer: ApiAnswer<{ verifiedBy: "dns" | "operator" }>): CheckResult | ApiProblem {
  if (answer.ok) return { outcome: "verified", by: answer.body.verifiedBy };
  const problem = answer.problem as ApiProblem & { nameExists?: boolean; recordsFound?: number };
  if (answer.status === 422) return { outcome: "not_found", nameExists: problem.nameExists === true, recordsFound: problem.recordsFound ?? 0 };
  if (answer.status === 502) return { outcome: "unavailable", detail: problem.detail ?? problem.title };
  return answer.problem;
}

const NOTICES: Record<string, string> = {
  mapped: "Domain mapped.", saved: "Provider changed.", challenge: "Here is the TXT record to publish.",
  verified: "The project's ownership is recorded as verified.", unverified: "The verification was withdrawn.",
};

export function domainPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/domains", async (r) => {
    const project = await projectOf(r);
    const [{ body }, providers] = await Promise.all([
      r.api.must<{ items: DomainView[]; nextCursor?: string }>("GET", `${apiPath(project.id)}?${pageQuery(r)}`), providersOf(r, project),
    ]);
    // The list carries no verification state; each mapping's read does.
    const items = await Promise.all(body.items.map(async (item) => (await optional<DomainView>(r, apiPath(project.id, item.domain)))?.body ?? item));
    const providerName = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
    const deleted = r.c.req.query("deleted");
    return r.render(
      <DomainsFrame r={r} project={project} title={`${project.name}: domain mappings`}>
        <h1>Domain mappings</h1>
        {deleted !== undefined ? <Notice>The domain was unmapped.</Notice> : null}
        <p>Each email domain sends its people to one identity provider (home realm discovery). A domain another project maps needs proof of ownership first.</p>
        <RecordList
          path={pagePath(project.id)} records={items} nextCursor={body.nextCursor} empty="This project maps no domains yet." caption={`Domain mappings of ${project.name}`}
          columns={[
            { head: "Domain", cell: (item) => <a href={pagePath(project.id, item.domain)}>{item.domain}</a> },
            { head: "Identity provider", cell: (item) => providerName(item.providerId) },
            { head: "Ownership", cell: (item) => verificationText(item.verified, item.verifiedBy) },
          ]}
        />
        <section aria-labelledby="map">
          <h2 id="map">Map a domain</h2>
          <MapDomainForm r={r} project={project} providers={providers} values={{ domain: "", providerId: providers[0]?.id ?? "" }} errors={new Map()} />
        </section>
      </DomainsFrame>,
    );
  });

  pages.post("/projects/:projectId/domains/new", async (r) => {
    const project = await projectOf(r);
    const values = { domain: (r.form.get("domain") ?? "").trim(), providerId: r.form.get("providerId") ?? "" };
    const answer = await r.api.call<DomainView>("POST", apiPath(project.id), { body: values });
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, answer.body.domain)}?notice=mapped`, 303);
    const providers = await providersOf(r, project);
    const errors = mapErrors(answer);
    return r.render(
      <DomainsFrame r={r} project={project} title="Map a domain">
        <p>
          <a href={pagePath(project.id)}>All domain mappings</a>
        </p>
        <h1>Map a domain</h1>
        <MapDomainForm r={r} project={project} providers={providers} values={values} errors={errors} />
        {answer.status === 409 && /another project/i.test(answer.problem.detail ?? "") ? (
          <p>
            Prove this project owns the domain first: <a href={pagePath(project.id, values.domain.toLowerCase())}>prove ownership of {values.domain}</a>.
          </p>
        ) : null}
      </DomainsFrame>,
      answer.status,
    );
  });

  pages.get("/projects/:projectId/domains/:domain", async (r) => {
    return domainPage(r, await projectOf(r), 200, noticeOf(r, NOTICES));
  });

  pages.post("/projects/:projectId/domains/:domain", async (r) => {
    const project = await projectOf(r);
    const providerId = r.form.get("providerId") ?? "";
    const answer = await r.api.call("PATCH", apiPath(project.id, r.param("domain")), { body: { providerId }, ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("domain"))}?notice=saved`, 303);
    if (isStale(answer)) return domainPage(r, project, 409, { conflict: true, providerValue: providerId });
    return domainPage(r, project, answer.status, { providerValue: providerId, errors: errorsFromProblem(answer.problem, FIELDS) });
  });

  pages.post("/projects/:projectId/domains/:domain/challenge", async (r) => {
    const project = await projectOf(r);
    await r.api.must("POST", challengePath(project.id, r.param("domain")));
    return r.c.redirect(`${pagePath(project.id, r.param("domain"))}?notice=challenge#dns`, 303);
  });

  pages.post("/projects/:projectId/domains/:domain/check", async (r) => {
    const project = await projectOf(r);
    const result = checkResult(await r.api.call("POST", `${challengePath(project.id, r.param("domain"))}/check`));
    if (!("outcome" in result)) throw pageError(result);
    const status = result.outcome === "verified" ? 200 : result.outcome === "not_found" ? 422 : 502;
    return domainPage(r, project, status, { check: result });
  });

  for (const [action, method, notice] of [["verify", "PUT", "verified"], ["unverify", "DELETE", "unverified"]] as const) {
    pages.post(`/projects/:projectId/domains/:domain/${action}`, async (r) => {
      const project = await projectOf(r);
      if (r.form.get("confirm") !== "yes") return domainPage(r, project, 400, { confirmErrors: new Map([[action, "tick the box to confirm"]]) });
      const answer = await r.api.call(method, `/projects/${encodeURIComponent(project.id)}/domain-verifications/${encodeURIComponent(r.param("domain"))}`);
      if (!answer.ok) return domainPage(r, project, answer.status, { confirmErrors: new Map([[action, answer.problem.detail ?? answer.problem.title]]) });
      return r.c.redirect(`${pagePath(project.id, r.param("domain"))}?notice=${notice}`, 303);
    });
  }

  pages.post("/projects/:projectId/domains/:domain/delete", async (r) => {
    const project = await projectOf(r);
    if (r.form.get("confirm") !== "yes") return domainPage(r, project, 400, { confirmErrors: new Map([["delete", "tick the box to confirm"]]) });
    const answer = await r.api.call("DELETE", apiPath(project.id, r.param("domain")));
    if (!answer.ok) return domainPage(r, project, answer.status, { confirmErrors: new Map([["delete", answer.problem.detail ?? answer.problem.title]]) });
    return r.c.redirect(`${pagePath(project.id)}?deleted=1`, 303);
  });
}
