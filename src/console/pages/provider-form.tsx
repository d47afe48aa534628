/**
 * An identity provider's forms: the person's input as typed (kept across errors and conflicts; the
 * client secret never, it is write-only), what the API receives from it, and which form field each
 * API path belongs to. The API validates, and on create checks the issuer's discovery document.
 */
import { PROVIDER_KINDS } from "../../registry/providers";
import { Checkbox, Choices, lines, SecretField, TextArea, TextField, wholeNumber, words, type FieldErrors } from "../forms";
import { PostForm } from "../post-form";

/** A provider as the API shows it (the fields the console reads; never the secret). */
export interface ProviderView {
  id: string;
  projectId: string;
  name: string;
  kind: (typeof PROVIDER_KINDS)[number];
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
  scopes: string[];
  linkBy: "email" | "subject";
  createUsers: boolean;
  exchange: { audiences: string[]; clientIds: string[]; acceptOpaqueTokens: boolean; maxTokenAgeSeconds?: number };
  callbackUrl: string;
  createdAt: string;
  updatedAt: string;
}

/** The form's fields as typed. */
export interface ProviderForm {
  id: string;
  name: string;
  kind: string;
  issuer: string;
  clientId: string;
  removeSecret: boolean;
  scopes: string;
  linkBy: string;
  createUsers: boolean;
  audiences: string;
  exchangeClientIds: string;
  acceptOpaqueTokens: boolean;
  maxTokenAgeSeconds: string;
}

export const LABELS: Record<string, string> = {
  id: "Id", name: "Name", kind: "Kind", issuer: "Issuer", clientId: "Client id", clientSecret: "Client secret", scopes: "Scopes",
  linkBy: "Link users by", createUsers: "Create users", audiences: "Accepted audiences", exchangeClientIds: "Accepted client ids",
  acceptOpaqueTokens: "Opaque tokens", maxTokenAgeSeconds: "Maximum token age", confirm: "Confirm",
};

/** API path prefix → form field. */
export const FIELDS: Record<string, string> = {
  id: "id", name: "name", kind: "kind", issuer: "issuer", clientId: "clientId", clientSecret: "clientSecret", scopes: "scopes",
  linkBy: "linkBy", createUsers: "createUsers", exchange: "audiences", "exchange.audiences": "audiences", "exchange.clientIds": "exchangeClientIds",
  "exchange.acceptOpaqueTokens": "acceptOpaqueTokens", "exchange.maxTokenAgeSeconds": "maxTokenAgeSeconds",
};

const KIND_LABELS: Record<string, string> = { auth0: "Auth0", okta: "Okta", google: "Google Workspace", cognito: "Amazon Cognito", oidc: "Other OpenID Connect provider" };
const KIND_OPTIONS = PROVIDER_KINDS.map((value) => ({ value, label: KIND_LABELS[value] ?? value }));
const LINK_OPTIONS = [
  { value: "email", label: "Verified email (an existing user with the same verified address is linked)" },
  { value: "subject", label: "Subject only (only users already holding this provider's subject)" },
];

export const NEW_PROVIDER: ProviderForm = {
  id: "", name: "", kind: "oidc", issuer: "", clientId: "", removeSecret: false, scopes: "openid email profile", linkBy: "email", createUsers: true,
  audiences: "", exchangeClientIds: "", acceptOpaqueTokens: false, maxTokenAgeSeconds: "",
};

export function formOfProvider(p: ProviderView): ProviderForm {
  return {
    id: p.id, name: p.name, kind: p.kind, issuer: p.issuer, clientId: p.clientId, removeSecret: false, scopes: p.scopes.join(" "), linkBy: p.linkBy,
    createUsers: p.createUsers, audiences: p.exchange.audiences.join("\n"), exchangeClientIds: p.exchange.clientIds.join("\n"),
    acceptOpaqueTokens: p.exchange.acceptOpaqueTokens, maxTokenAgeSeconds: p.exchange.maxTokenAgeSeconds === undefined ? "" : String(p.exchange.maxTokenAgeSeconds),
  };
}

export function formOfPost(form: URLSearchParams): ProviderForm {
  const text = (name: string) => form.get(name) ?? "";
  return {
    id: text("id").trim(), name: text("name"), kind: text("kind"), issuer: text("issuer").trim(), clientId: text("clientId"), removeSecret: text("removeSecret") === "yes",
    scopes: text("scopes"), linkBy: text("linkBy"), createUsers: text("createUsers") === "yes", audiences: text("audiences"),
    exchangeClientIds: text("exchangeClientIds"), acceptOpaqueTokens: text("acceptOpaqueTokens") === "yes", maxTokenAgeSeconds: text("maxTokenAgeSeconds"),
  };
}

const exchangeOf = (f: ProviderForm) => ({
  audiences: lines(f.audiences), clientIds: lines(f.exchangeClientIds), acceptOpaqueTokens: f.acceptOpaqueTokens,
  ...(f.maxTokenAgeSeconds.trim() === "" ? {} : { maxTokenAgeSeconds: wholeNumber(f.maxTokenAgeSeconds) }),
});

/** The create request's body; the secret as typed (empty: none). */
export const createBody = (f: ProviderForm, secret: string) => ({
  ...(f.id ? { id: f.id } : {}), name: f.name, kind: f.kind, issuer: f.issuer, clientId: f.clientId, ...(secret ? { clientSecret: secret } : {}),
  scopes: words(f.scopes), linkBy: f.linkBy, createUsers: f.createUsers, exchange: exchangeOf(f),
});

/** The settings' PATCH body: the secret only if a new one was typed, or removed when asked. */
export const patchBody = (f: ProviderForm, secret: string) => ({
  name: f.name, clientId: f.clientId, scopes: words(f.scopes), linkBy: f.linkBy, createUsers: f.createUsers, exchange: exchangeOf(f),
  ...(f.removeSecret ? { clientSecret: null } : secret ? { clientSecret: secret } : {}),
});

interface FormProps {
  action: string;
  csrf: string;
  values: ProviderForm;
  errors: FieldErrors;
  /** Present when editing: the ETag the settings were read at (If-Match), and whether a secret is set. */
  editing?: { etag: string; hasClientSecret: boolean };
  submit: string;
}

export function ProviderFormFields(props: FormProps) {
  const { action, csrf, values, errors, editing, submit } = props;
  return (
    <PostForm action={action} csrf={csrf} errors={errors} labels={LABELS} etag={editing?.etag}>
      {editing ? null : (
        <>
          <Choices name="kind" label={LABELS.kind!} options={KIND_OPTIONS} checked={[values.kind]} multiple={false} errors={errors} />
          <TextField name="issuer" label={LABELS.issuer!} value={values.issuer} errors={errors} required maxlength={500} hint="The provider's issuer URL (https). Fedgate reads its discovery document before saving; it cannot change later." />
          <TextField name="id" label={`${LABELS.id} (optional)`} value={values.id} errors={errors} maxlength={40} hint="2-40 lower-case letters, digits or dashes; it names the callback URL. Empty: one is generated." />
        </>
      )}
      <TextField name="name" label={LABELS.name!} value={values.name} errors={errors} required maxlength={200} />
      <TextField name="clientId" label={LABELS.clientId!} value={values.clientId} errors={errors} required maxlength={500} hint="The client id Fedgate was given at the provider." />
      <SecretField
        name="clientSecret" label={LABELS.clientSecret!} errors={errors}
        hint={editing ? "Leave empty to keep the current secret. Fedgate never shows it back." : "The secret the provider gave this client, if it is confidential. Fedgate stores it sealed and never shows it back."}
      />
      {editing?.hasClientSecret ? <Checkbox name="removeSecret" label="Remove the stored secret" checked={values.removeSecret} errors={errors} /> : null}
      <TextField name="scopes" label={LABELS.scopes!} value={values.scopes} errors={errors} hint="Separated by spaces; include openid, or the provider sends no ID token." />
      <Choices name="linkBy" label={LABELS.linkBy!} options={LINK_OPTIONS} checked={[values.linkBy]} multiple={false} errors={errors} />
      <Checkbox name="createUsers" label="Create a user at first sign-in when none is linked" checked={values.createUsers} errors={errors} />
      <fieldset>
        <legend>Token exchange</legend>
        <TextArea name="audiences" label={LABELS.audiences!} value={values.audiences} errors={errors} rows={2} hint="Access-token audiences accepted for token exchange (RFC 8693), e.g. an Auth0 API identifier; one per line." />
        <TextArea name="exchangeClientIds" label={LABELS.exchangeClientIds!} value={values.exchangeClientIds} errors={errors} rows={2} hint="The migrating apps' client ids at the provider (an ID token's aud or azp); one per line." />
        <Checkbox name="acceptOpaqueTokens" label="Also accept tokens Fedgate cannot verify itself, checked at the provider" checked={values.acceptOpaqueTokens} errors={errors} />
        <TextField name="maxTokenAgeSeconds" label={`${LABELS.maxTokenAgeSeconds} (seconds)`} type="number" min={60} max={604800} value={values.maxTokenAgeSeconds} errors={errors} hint="Refuse tokens issued longer ago than this. Empty: their expiry decides." />
      </fieldset>
      <button type="submit" class="inline">
        {submit}
      </button>
    </PostForm>
  );
}
