/**
 * A client application's forms: the person's input as typed (kept across errors and conflicts), what
 * the API receives from it, and which form field each API path belongs to. The API validates; the
 * form only turns text into JSON (a number field that is not a whole number is sent as typed, so the
 * API's refusal names it).
 */
import { GRANT_TYPES } from "../../registry/clients";
import { Checkbox, Choices, lines, TextArea, TextField, wholeNumber, words, type FieldErrors } from "../forms";
import { PostForm } from "../post-form";

/** A client as the API shows it (the fields the console reads). */
export interface ClientView {
  id: string;
  projectId: string;
  name: string;
  kind: "public" | "confidential";
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  ipRules: { allow: string[]; deny: string[] };
  rateLimits?: { tokenPerMinute?: number };
  tokenLifetimes: { accessTokenSeconds: number; idTokenSeconds: number; refreshTokenSeconds: number };
  requireMfa?: boolean;
  hasSecret: boolean;
  secretRotatedAt?: string;
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** The form's fields as typed. */
export interface ClientForm {
  name: string;
  kind: string;
  redirectUris: string;
  grantTypes: string[];
  scopes: string;
  ipAllow: string;
  ipDeny: string;
  tokenPerMinute: string;
  accessTokenSeconds: string;
  idTokenSeconds: string;
  refreshTokenSeconds: string;
  requireMfa: boolean;
}

export const LABELS: Record<string, string> = {
  name: "Name", kind: "Kind", redirectUris: "Redirect URIs", grantTypes: "Grant types", scopes: "Scopes",
  ipAllow: "Allowed networks", ipDeny: "Denied networks", tokenPerMinute: "Token requests per minute",
  accessTokenSeconds: "Access token lifetime", idTokenSeconds: "ID token lifetime", refreshTokenSeconds: "Refresh token lifetime",
  overlapSeconds: "Overlap", confirm: "Confirm", requireMfa: "Require MFA",
};

/** API path prefix → form field. */
export const FIELDS: Record<string, string> = {
  name: "name", kind: "kind", redirectUris: "redirectUris", grantTypes: "grantTypes", scopes: "scopes",
  "ipRules.allow": "ipAllow", "ipRules.deny": "ipDeny", ipRules: "ipAllow", rateLimits: "tokenPerMinute",
  tokenLifetimes: "accessTokenSeconds", "tokenLifetimes.accessTokenSeconds": "accessTokenSeconds",
  "tokenLifetimes.idTokenSeconds": "idTokenSeconds", "tokenLifetimes.refreshTokenSeconds": "refreshTokenSeconds",
  overlapSeconds: "overlapSeconds", requireMfa: "requireMfa",
};

const GRANT_LABELS: Record<string, string> = {
  authorization_code: "Authorization code (sign-in)",
  refresh_token: "Refresh token",
  client_credentials: "Client credentials (machine to machine)",
  "urn:ietf:params:oauth:grant-type:token-exchange": "Token exchange (RFC 8693)",
};
const GRANT_OPTIONS = GRANT_TYPES.map((value) => ({ value, label: GRANT_LABELS[value] ?? value }));
const KIND_OPTIONS = [
  { value: "confidential", label: "Confidential (a server that keeps a secret)" },
  { value: "public", label: "Public (a browser or native app, PKCE only)" },
];

export function formOfClient(client: ClientView): ClientForm {
  return {
    name: client.name, kind: client.kind, redirectUris: client.redirectUris.join("\n"), grantTypes: client.grantTypes, scopes: client.scopes.join(" "),
    ipAllow: client.ipRules.allow.join("\n"), ipDeny: client.ipRules.deny.join("\n"),
    tokenPerMinute: client.rateLimits?.tokenPerMinute === undefined ? "" : String(client.rateLimits.tokenPerMinute),
    accessTokenSeconds: String(client.tokenLifetimes.accessTokenSeconds), idTokenSeconds: String(client.tokenLifetimes.idTokenSeconds),
    refreshTokenSeconds: String(client.tokenLifetimes.refreshTokenSeconds), requireMfa: client.requireMfa === true,
  };
}

/** A new client's form before anything is typed: the API's defaults for a sign-in app. */
export const NEW_CLIENT: ClientForm = {
  name: "", kind: "confidential", redirectUris: "", grantTypes: ["authorization_code", "refresh_token"], scopes: "openid profile email offline_access",
  ipAllow: "", ipDeny: "", tokenPerMinute: "", accessTokenSeconds: "3600", idTokenSeconds: "3600", refreshTokenSeconds: "2592000", requireMfa: false,
};

export function formOfPost(form: URLSearchParams): ClientForm {
  const text = (name: string) => form.get(name) ?? "";
  return {
    name: text("name"), kind: text("kind"), redirectUris: text("redirectUris"), grantTypes: form.getAll("grantTypes"), scopes: text("scopes"),
    ipAllow: text("ipAllow"), ipDeny: text("ipDeny"), tokenPerMinute: text("tokenPerMinute"),
    accessTokenSeconds: text("accessTokenSeconds"), idTokenSeconds: text("idTokenSeconds"), refreshTokenSeconds: text("refreshTokenSeconds"),
    requireMfa: form.get("requireMfa") === "yes",
  };
}

/** The create request's body: name, kind, redirect URIs, grant types, scopes. */
export const createBody = (f: ClientForm) => ({
  name: f.name, kind: f.kind, redirectUris: lines(f.redirectUris), grantTypes: f.grantTypes, scopes: words(f.scopes),
});

/** The settings' PATCH body: everything the settings form shows (kind cannot change). */
export const patchBody = (f: ClientForm) => ({
  name: f.name, redirectUris: lines(f.redirectUris), grantTypes: f.grantTypes, scopes: words(f.scopes),
  ipRules: { allow: lines(f.ipAllow), deny: lines(f.ipDeny) },
  rateLimits: f.tokenPerMinute.trim() === "" ? {} : { tokenPerMinute: wholeNumber(f.tokenPerMinute) },
  tokenLifetimes: { accessTokenSeconds: wholeNumber(f.accessTokenSeconds), idTokenSeconds: wholeNumber(f.idTokenSeconds), refreshTokenSeconds: wholeNumber(f.refreshTokenSeconds) },
  requireMfa: f.requireMfa,
});

interface FormProps {
  action: string;
  csrf: string;
  values: ClientForm;
  errors: FieldErrors;
  /** The ETag the settings were read at (If-Match); absent on create. */
  etag?: string;
  submit: string;
}

/** The fields both forms share. */
function CommonFields({ values, errors }: Pick<FormProps, "values" | "errors">) {
  return (
    <>
      <TextField name="name" label={LABELS.name!} value={values.name} errors={errors} required maxlength={200} />
      <TextArea name="redirectUris" label={LABELS.redirectUris!} value={values.redirectUris} errors={errors} hint="One per line, exactly as the app sends them: https, or http on 127.0.0.1 or localhost." />
      <Choices name="grantTypes" label={LABELS.grantTypes!} options={GRANT_OPTIONS} checked={values.grantTypes} multiple errors={errors} />
      <TextField name="scopes" label={LABELS.scopes!} value={values.scopes} errors={errors} hint="Separated by spaces, e.g. openid profile email offline_access." />
    </>
  );
}

export function CreateClientForm(props: FormProps) {
  const { action, csrf, values, errors, submit } = props;
  return (
    <PostForm action={action} csrf={csrf} errors={errors} labels={LABELS}>
      <Choices name="kind" label={LABELS.kind!} options={KIND_OPTIONS} checked={[values.kind]} multiple={false} errors={errors} />
      <CommonFields values={values} errors={errors} />
      <button type="submit" class="inline">
        {submit}
      </button>
    </PostForm>
  );
}

export function ClientSettingsForm(props: FormProps) {
  const { action, csrf, values, errors, etag, submit } = props;
  return (
    <PostForm action={action} csrf={csrf} errors={errors} labels={LABELS} etag={etag ?? ""}>
      <CommonFields values={values} errors={errors} />
      <fieldset>
        <legend>IP rules</legend>
        <TextArea name="ipAllow" label={LABELS.ipAllow!} value={values.ipAllow} errors={errors} rows={3} hint="CIDRs, one per line (e.g. 203.0.113.0/24). Empty: every network the project allows." />
        <TextArea name="ipDeny" label={LABELS.ipDeny!} value={values.ipDeny} errors={errors} rows={3} hint="CIDRs, one per line, refused even if allowed." />
      </fieldset>
      <fieldset>
        <legend>Limits</legend>
        <TextField name="tokenPerMinute" label={LABELS.tokenPerMinute!} type="number" min={1} value={values.tokenPerMinute} errors={errors} hint="Empty: the project's or the deployment's limit." />
        <TextField name="accessTokenSeconds" label={`${LABELS.accessTokenSeconds} (seconds)`} type="number" min={60} value={values.accessTokenSeconds} errors={errors} />
        <TextField name="idTokenSeconds" label={`${LABELS.idTokenSeconds} (seconds)`} type="number" min={60} value={values.idTokenSeconds} errors={errors} />
        <TextField name="refreshTokenSeconds" label={`${LABELS.refreshTokenSeconds} (seconds)`} type="number" min={300} value={values.refreshTokenSeconds} errors={errors} />
      </fieldset>
      <fieldset>
        <legend>Sign-in</legend>
        <Checkbox name="requireMfa" label="Require multi-factor authentication for sign-ins to this app, whatever the project requires" errors={errors} checked={values.requireMfa} />
      </fieldset>
      <button type="submit" class="inline">
        {submit}
      </button>
    </PostForm>
  );
}
