/**
 * Form parts every console page uses, and the mapping from the admin API's problems to fields.
 * Accessible by construction: each control has a label, a field in error has `aria-invalid` and is
 * described by its message, and an error summary at the top links to each field in error.
 */
import type { Child } from "hono/jsx";
import type { ApiProblem } from "./admin-client";

/** Messages by form field name; `""` holds what belongs to no field. */
export type FieldErrors = Map<string, string>;

export const fieldId = (name: string) => `field-${name}`;
const errorId = (name: string) => `field-${name}-error`;
const hintId = (name: string) => `field-${name}-hint`;

/** The non-empty, trimmed lines of a textarea. */
export const lines = (text: string | null | undefined): string[] => (text ?? "").split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
/** The space-separated words of a text field. */
export const words = (text: string | null | undefined): string[] => (text ?? "").split(/\s+/).filter(Boolean);
/** A whole number as a number; anything else as typed, for the API to refuse by name. */
export const wholeNumber = (text: string): number | string => (/^\d{1,12}$/.test(text.trim()) ? Number(text.trim()) : text);

/**
 * The API's problem as messages per form field. `fields` maps an API path prefix to a form field
 * (the longest prefix wins); a list item's index becomes "line N". Schema failures come as `errors`;
 * other refusals name their field at the start of `detail` (`"redirectUris": …`).
 */
export function errorsFromProblem(problem: ApiProblem, fields: Record<string, string>): FieldErrors {
  const prefixes = Object.keys(fields).sort((a, b) => b.length - a.length);
  const errors: FieldErrors = new Map();
  const add = (path: string, message: string) => {
    const prefix = prefixes.find((p) => path === p || path.startsWith(`${p}.`));
    const field = prefix === undefined ? "" : fields[prefix]!;
    const rest = prefix === undefined ? "" : path.slice(prefix.length + 1);
    const index = /^(\d+)/.exec(rest)?.[1];
    const text = index === undefined ? message : `line ${Number(index) + 1}: ${message}`;
    errors.set(field, errors.has(field) ? `${errors.get(field)}; ${text}` : text);
  };
  if (problem.errors && problem.errors.length > 0) {
    for (const issue of problem.errors) add(issue.path, issue.message);
  } else {
    const named = /^"([^"]+)": ([\s\S]*)$/.exec(problem.detail ?? "");
    if (named) add(named[1]!, named[2]!);
    else add("", problem.detail ?? problem.title);
  }
  return errors;
}

/** The summary at the top of a form: one link per field in error, and what belongs to none. */
export function ErrorSummary({ errors, labels }: { errors: FieldErrors; labels: Record<string, string> }) {
  if (errors.size === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1} id="error-summary" autofocus>
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {[...errors].map(([field, message]) =>
          field === "" ? (
            <li>{message}</li>
          ) : (
            <li>
              <a href={`#${fieldId(field)}`}>
                {labels[field] ?? field}: {message}
              </a>
            </li>
          ),
        )}
      </ul>
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
}

/** `aria-*` of a control: described by its hint and error, invalid when in error. */
function described(name: string, errors: FieldErrors, hint: string | undefined) {
  const ids = [hint ? hintId(name) : "", errors.has(name) ? errorId(name) : ""].filter(Boolean).join(" ");
  return { ...(ids ? { "aria-describedby": ids } : {}), ...(errors.has(name) ? { "aria-invalid": "true" as const } : {}) };
}

function Messages({ name, errors, hint }: Pick<FieldProps, "name" | "errors" | "hint">) {
  return (
    <>
      {hint ? (
        <p class="hint" id={hintId(name)}>
          {hint}
        </p>
      ) : null}
      {errors.has(name) ? (
        <p class="field-error" id={errorId(name)}>
          {errors.get(name)}
        </p>
      ) : null}
    </>
  );
}

export function TextField(props: FieldProps & { value: string; type?: "text" | "number"; required?: boolean; maxlength?: number; min?: number; max?: number }) {
  const { name, label, errors, hint, value, type = "text", required, maxlength, min, max } = props;
  return (
    <div>
      <label for={fieldId(name)}>{label}</label>
      <input
        type={type} id={fieldId(name)} name={name} value={value} {...(required ? { required: true } : {})}
        {...(maxlength ? { maxlength } : {})} {...(min !== undefined ? { min } : {})} {...(max !== undefined ? { max } : {})}
        {...described(name, errors, hint)}
      />
      <Messages name={name} errors={errors} hint={hint} />
    </div>
  );
}

export function TextArea(props: FieldProps & { value: string; rows?: number }) {
  const { name, label, errors, hint, value, rows = 4 } = props;
  return (
    <div>
      <label for={fieldId(name)}>{label}</label>
      <textarea id={fieldId(name)} name={name} rows={rows} spellcheck={false} {...described(name, errors, hint)}>
        {value}
      </textarea>
      <Messages name={name} errors={errors} hint={hint} />
    </div>
  );
}

/**
 * One checkbox sending "yes" when ticked: a yes/no setting, or the box that confirms an action which
 * cannot be undone by accident (`required`). Its message stands below it; `id` when a page has several.
 */
export function Checkbox(props: { name: string; label: string; errors: FieldErrors; id?: string; checked?: boolean; required?: boolean }) {
  const { name, label, errors, id = fieldId(name), checked, required } = props;
  const invalid = errors.has(name);
  return (
    <div class="choice">
      <input
        type="checkbox" id={id} name={name} value="yes" {...(checked ? { checked: true } : {})} {...(required ? { required: true } : {})}
        {...(invalid ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {})}
      />
      <label for={id}>{label}</label>
      {invalid ? (
        <p class="field-error" id={`${id}-error`}>
          {errors.get(name)}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A secret to send and never show back (an upstream client secret): a password field that is always
 * rendered empty, with a hint saying what leaving it empty does.
 */
export function SecretField(props: FieldProps & { hint: string; maxlength?: number }) {
  const { name, label, errors, hint, maxlength = 2000 } = props;
  const invalid = errors.has(name);
  return (
    <div>
      <label for={fieldId(name)}>{label}</label>
      <input
        type="password" id={fieldId(name)} name={name} value="" autocomplete="off" maxlength={maxlength}
        aria-describedby={[hintId(name), invalid ? errorId(name) : ""].filter(Boolean).join(" ")} {...(invalid ? { "aria-invalid": "true" } : {})}
      />
      <p class="hint" id={hintId(name)}>
        {hint}
      </p>
      {invalid ? (
        <p class="field-error" id={errorId(name)}>
          {errors.get(name)}
        </p>
      ) : null}
    </div>
  );
}

/** Checkboxes (`multiple`) or radio buttons under one legend; the summary links to the first. */
export function Choices(props: FieldProps & { options: readonly { value: string; label: string }[]; checked: readonly string[]; multiple: boolean }) {
  const { name, label, errors, hint, options, checked, multiple } = props;
  const describedBy = described(name, errors, hint)["aria-describedby"];
  return (
    <fieldset id={fieldId(name)} tabindex={-1} {...(describedBy ? { "aria-describedby": describedBy } : {})}>
      <legend>{label}</legend>
      <Messages name={name} errors={errors} hint={hint} />
      {options.map((option, i) => {
        const id = i === 0 ? `${fieldId(name)}-first` : `${fieldId(name)}-${i}`;
        return (
          <div class="choice">
            <input
              type={multiple ? "checkbox" : "radio"} id={id} name={name} value={option.value}
              {...(checked.includes(option.value) ? { checked: true } : {})} {...(errors.has(name) ? { "aria-invalid": "true" } : {})}
            />
            <label for={id}>{option.label}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** A short notice above a page's content (saved, deleted). */
export const Notice = ({ children }: { children?: Child }) => (
  <p class="notice" role="status">
    {children}
  </p>
);

/**
 * The page's answer to a 412: someone changed the record since the form was read. The form below is
 * shown again with the person's input and the record's new ETag, beside the record as it is now.
 */
export function ConflictNotice({ children }: { children?: Child }) {
  return (
    <div role="alert" id="conflict">
      <h2>This record changed meanwhile</h2>
      <p>Someone changed it after you opened this page, so nothing was saved. It is shown below as it is now; your input is kept in the form. Check it and save again.</p>
      {children}
    </div>
  );
}
