/**
 * Fedgate's signing keys (the operator's alone): the key set with each key's kid, algorithm, state
 * and dates, and a rotation through the admin API (`POST /signing-keys/rotate`) after a confirmation
 * step: one algorithm or all, waiting for the next key to be published long enough, or forced at once
 * (after a compromise). A project admin gets the console's 404 page, as for any page not theirs.
 */
import { pageError } from "../admin-client";
import { Checkbox, Choices, ErrorSummary, errorsFromProblem, Notice, type FieldErrors } from "../forms";
import { ConsolePage, CsrfField } from "../layout";
import { RecordTable, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";

/** A key as the API describes it (no key material). */
interface KeyView {
  kid: string;
  alg: string;
  state: "next" | "active" | "retired";
  createdAt: number;
  activatedAt?: number;
  removeAt?: number;
}

interface RotationReport {
  promoted: boolean;
  promotedAlgs: string[];
  keys: KeyView[];
}

const LABELS: Record<string, string> = { alg: "Algorithm", force: "When", confirm: "Confirm" };
const PATH = "/console/signing-keys";
const STATE_ORDER = { active: 0, next: 1, retired: 2 } as const;
const STATE_TEXT = { active: "Active: signs new tokens", next: "Next: published, signs after the next rotation", retired: "Retired: published until its tokens expire" } as const;

const when = (ms: number | undefined) => (ms === undefined ? "" : new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"));

/** The operator only: anyone else gets the 404 page. */
function operatorOnly(r: ConsoleRequest): void {
  if (!r.me.operator) throw pageError({ status: 404, title: "Not found", detail: "There is no such console page." });
}

const readKeys = async (r: ConsoleRequest): Promise<KeyView[]> => (await r.api.must<{ keys: KeyView[] }>("GET", "/signing-keys")).body.keys;

const KEY_COLUMNS: Column<KeyView>[] = [
  { head: "Key id (kid)", cell: (key) => <code>{key.kid}</code> },
  { head: "Algorithm", cell: (key) => key.alg },
  { head: "State", cell: (key) => STATE_TEXT[key.state] ?? key.state },
  { head: "Created", cell: (key) => when(key.createdAt) },
  { head: "Active since", cell: (key) => when(key.activatedAt) },
  { head: "Leaves the JWKS", cell: (key) => when(key.removeAt) },
];

function KeysTable({ keys }: { keys: KeyView[] }) {
  const sorted = keys.toSorted((a, b) => a.alg.localeCompare(b.alg) || STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.createdAt - a.createdAt);
  return <RecordTable caption="Signing keys" columns={KEY_COLUMNS} records={sorted} />;
}

function KeysPage({ r, keys, notice }: { r: ConsoleRequest; keys: KeyView[]; notice?: string }) {
  return (
    <ConsolePage title="Signing keys" viewer={r.viewer} current="signing-keys">
      <h1>Signing keys</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <p>
        Fedgate signs tokens with the active key of each algorithm and publishes every key below at <code>/.well-known/jwks.json</code>. The scheduled check rotates
        keys by age; rotate by hand to rotate sooner, or at once after a key is exposed.
      </p>
      <KeysTable keys={keys} />
      <p>
        <a href={`${PATH}/rotate`}>Rotate keys</a>
      </p>
    </ConsolePage>
  );
}

interface RotateForm {
  alg: string;
  force: string;
}

/** The confirmation step: which algorithm, how, and the box to tick. */
function RotatePage({ r, keys, values, errors }: { r: ConsoleRequest; keys: KeyView[]; values: RotateForm; errors: FieldErrors }) {
  const algs = [...new Set(keys.map((key) => key.alg))].sort();
  return (
    <ConsolePage title="Rotate signing keys" viewer={r.viewer} current="signing-keys">
      <p>
        <a href={PATH}>Back to signing keys</a>
      </p>
      <h1>Rotate signing keys</h1>
      <p>Rotation makes each next key active (it signs from now on), retires the active key (still published until the tokens it signed expire) and creates a new next key.</p>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="post" action={`${PATH}/rotate`}>
        <CsrfField token={r.viewer.csrf} />
        <Choices name="alg" label={LABELS.alg!} options={[{ value: "", label: "Every algorithm" }, ...algs.map((alg) => ({ value: alg, label: alg }))]} checked={[values.alg]} multiple={false} errors={errors} />
        <Choices
          name="force" label={LABELS.force!} multiple={false} errors={errors} checked={[values.force]}
          hint="A forced rotation promotes a next key that verifiers may not have fetched yet: tokens it signs can be refused for a few minutes. Use it after a key is exposed."
          options={[
            { value: "", label: "Once the next key has been published long enough (refused before then)" },
            { value: "yes", label: "Now (forced)" },
          ]}
        />
        <Checkbox name="confirm" label="Rotate the signing keys." errors={errors} required />
        <div class="actions">
          <button type="submit" class="inline danger">
            Rotate
          </button>
          <a href={PATH}>Cancel</a>
        </div>
      </form>
    </ConsolePage>
  );
}

export function signingKeyPages(pages: ConsolePages): void {
  pages.get("/signing-keys", async (r) => {
    operatorOnly(r);
    const rotated = r.c.req.query("rotated");
    const notice = rotated === undefined ? undefined : /^[A-Z0-9, ]{1,40}$/.test(rotated) ? `Rotated: ${rotated}. The new active keys sign from now on.` : undefined;
    return r.render(<KeysPage r={r} keys={await readKeys(r)} {...(notice ? { notice } : {})} />);
  });

  pages.get("/signing-keys/rotate", async (r) => {
    operatorOnly(r);
    return r.render(<RotatePage r={r} keys={await readKeys(r)} values={{ alg: "", force: "" }} errors={new Map()} />);
  });

  pages.post("/signing-keys/rotate", async (r) => {
    operatorOnly(r);
    const values = { alg: r.form.get("alg") ?? "", force: r.form.get("force") ?? "" };
    const again = async (errors: FieldErrors, status: number) => r.render(<RotatePage r={r} keys={await readKeys(r)} values={values} errors={errors} />, status);
    if (r.form.get("confirm") !== "yes") return again(new Map([["confirm", "tick the box to confirm the rotation"]]), 400);
    if (values.force !== "" && values.force !== "yes") return again(new Map([["force", "choose when to rotate"]]), 400);
    const body = { ...(values.alg ? { alg: values.alg } : {}), ...(values.force === "yes" ? { force: true } : {}) };
    const answer = await r.api.call<RotationReport>("POST", "/signing-keys/rotate", { body });
    if (answer.ok) return r.c.redirect(`${PATH}?rotated=${encodeURIComponent(answer.body.promotedAlgs.join(", "))}`, 303);
    if (answer.status === 409 && answer.problem.title === "No keys of this algorithm") return again(new Map([["alg", answer.problem.detail ?? answer.problem.title]]), 409);
    if (answer.status === 409) {
      return again(new Map([["force", `${answer.problem.detail?.replace(/ Send \{"force": true\} to rotate now\.$/, "") ?? answer.problem.title} Choose "Now (forced)" to rotate at once.`]]), 409);
    }
    if (answer.status === 400) return again(errorsFromProblem(answer.problem, { alg: "alg", force: "force" }), 400);
    throw pageError(answer.problem);
  });
}
