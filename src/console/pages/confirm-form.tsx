/** A form whose only input is a "confirm" box, for actions that cannot be undone by accident (unmap, delete, override). */
import { CsrfField } from "../layout";
import type { ConsoleRequest } from "../page";

export function ConfirmForm(props: { r: ConsoleRequest; action: string; id: string; label: string; submit: string; error?: string; danger?: boolean }) {
  const { r, action, id, label, submit, error, danger } = props;
  return (
    <form method="post" action={action}>
      <CsrfField token={r.viewer.csrf} />
      <div class="choice">
        <input type="checkbox" id={id} name="confirm" value="yes" required {...(error ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {})} />
        <label for={id}>{label}</label>
        {error ? (
          <p class="field-error" id={`${id}-error`}>
            {error}
          </p>
        ) : null}
      </div>
      <button type="submit" class={danger ? "inline danger" : "inline"}>
        {submit}
      </button>
    </form>
  );
}

