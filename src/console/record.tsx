/**
 * One record's page in the console (a client, a provider, a domain, a user, a project): its top
 * (the way back to its list, its name, what was just done, its details), the notice a redirect after
 * a change names in the query, and the refusals that mean the form was read before someone else's change.
 */
import type { Child } from "hono/jsx";
import { ConflictNotice, Notice } from "./forms";
import type { ConsoleRequest } from "./page";

/**
 * The top of a record's page. After a conflict the details stand inside the conflict notice, as the
 * record is now; a `conflict` text (what the person asked) is said above them.
 */
export function RecordHeading(props: { list?: { href: string; text: string }; heading: string; notice?: string | undefined; conflict?: boolean | string | undefined; children?: Child }) {
  const { list, heading, notice, conflict, children } = props;
  return (
    <>
      {list ? (
        <p>
          <a href={list.href}>{list.text}</a>
        </p>
      ) : null}
      <h1>{heading}</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      {conflict ? (
        <ConflictNotice>
          {typeof conflict === "string" ? <p>{conflict}</p> : null}
          {children}
        </ConflictNotice>
      ) : (
        children
      )}
    </>
  );
}

/** The notice `?notice=<key>` names, among a page's `notices`: a state for the page, empty for any other key. */
export function noticeOf(r: ConsoleRequest, notices: Record<string, string>): { notice?: string } {
  const key = r.c.req.query("notice") ?? "";
  // Own keys only: `?notice=constructor` is no notice.
  return Object.hasOwn(notices, key) ? { notice: notices[key]! } : {};
}

/** The API refused a write made with a stale ETag (412) or none (428): the record changed since the form was read. */
export const isStale = (answer: { status: number }) => answer.status === 412 || answer.status === 428;
