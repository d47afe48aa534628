/**
 * The console's lists of records: the table (a visually hidden caption, one header row, a row per
 * record), the list page's parts around it (the empty message, the "Next page" link), and the API
 * query that reads one page of them with the console page's cursor.
 */
import type { Child } from "hono/jsx";
import type { ConsoleRequest } from "./page";

/** The API's cursors are opaque base64url; anything else in the page's query is dropped, not sent on. */
export const CURSOR = /^[A-Za-z0-9_-]{1,1400}$/;

/** The API query for one page of a list: `limit`, and the console page's `cursor` when well formed. */
export function pageQuery(r: ConsoleRequest, limit = "100"): URLSearchParams {
  const cursor = r.c.req.query("cursor");
  return new URLSearchParams({ limit, ...(cursor && CURSOR.test(cursor) ? { cursor } : {}) });
}

/** A column: its header, and what a record shows in its cell. */
export interface Column<T> {
  head: Child;
  cell: (record: T) => Child;
}

export function RecordTable<T>(props: { caption: string; columns: readonly Column<T>[]; records: readonly T[] }) {
  const { caption, columns, records } = props;
  return (
    <table>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col">{column.head}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr>
            {columns.map((column) => (
              <td>{column.cell(record)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The link to the list's next page, when the API gave a cursor. */
export function NextPageLink({ path, cursor }: { path: string; cursor: string | undefined }) {
  if (!cursor) return null;
  return (
    <p>
      <a href={`${path}?cursor=${encodeURIComponent(cursor)}`}>Next page</a>
    </p>
  );
}

/** A page of records at `path`: the table (or `empty` when there are none) and the next page's link. */
export function RecordList<T>(props: { path: string; records: readonly T[]; nextCursor: string | undefined; empty: string; caption: string; columns: readonly Column<T>[] }) {
  const { path, records, nextCursor, empty, caption, columns } = props;
  return (
    <>
      {records.length === 0 ? <p>{empty}</p> : <RecordTable caption={caption} columns={columns} records={records} />}
      <NextPageLink path={path} cursor={nextCursor} />
    </>
  );
}
