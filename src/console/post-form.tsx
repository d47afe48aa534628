/**
 * A console form that changes something: posted with the session's CSRF token (and, for a record's
 * settings, the ETag they were read at, sent as If-Match), under the summary of what the API refused.
 */
import type { Child } from "hono/jsx";
import { ErrorSummary, type FieldErrors } from "./forms";
import { CsrfField } from "./layout";

export function PostForm(props: { action: string; csrf: string; errors?: FieldErrors; labels?: Record<string, string>; etag?: string | undefined; children?: Child }) {
  const { action, csrf, errors, labels = {}, etag, children } = props;
  return (
    <>
      {errors ? <ErrorSummary errors={errors} labels={labels} /> : null}
      <form method="post" action={action}>
        <CsrfField token={csrf} />
        {etag !== undefined ? <input type="hidden" name="etag" value={etag} /> : null}
        {children}
      </form>
    </>
  );
}
