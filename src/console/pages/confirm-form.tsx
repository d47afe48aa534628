/** A form whose only input is a "confirm" box, for actions that cannot be undone by accident (unmap, delete, override). */
import { Checkbox } from "../forms";
import { CsrfField } from "../layout";
import type { ConsoleRequest } from "../page";

export function ConfirmForm(props: { r: ConsoleRequest; action: string; id: string; label: string; submit: string; error?: string; danger?: boolean }) {
  const { r, action, id, label, submit, error, danger } = props;
  return (
    <form method="post" action={action}>
      <CsrfField token={r.viewer.csrf} />
      <Checkbox name="confirm" id={id} label={label} errors={new Map(error ? [["confirm", error]] : [])} required />
      <button type="submit" class={danger ? "inline danger" : "inline"}>
        {submit}
      </button>
    </form>
  );
}

