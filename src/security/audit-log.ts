/**
 * Where audit events are kept (SECURITY.md AD-4): one list per project and hour (store/keys.ts
 * `auditHour`), each its own partition, so no object receives every event of a tenant. The
 * project's partition notes which hours hold events, so a reader finds them newest first without
 * visiting empty hours. Retention drops whole hours: each list and its note expire with a TTL.
 */
import { auditHour, auditHourEntry, auditHoursPrefix } from "../store/keys";
import { StoreError, pageSize, type ListPage, type Store } from "../store/store";
import type { AuditEvent } from "./audit-event";

const HOUR_MS = 3_600_000;
/** How long events are kept: an hour's list lives this long (plus the hour itself) after its first event. */
export const AUDIT_RETENTION_MS = 90 * 24 * HOUR_MS;
const BUCKET_TTL_MS = AUDIT_RETENTION_MS + HOUR_MS;
/** Hours one page may visit: a sparse log answers a short page with a cursor rather than many round trips. */
const MAX_HOURS_PER_PAGE = 24;

/** A new event id: its time (ms, base 36, fixed width) then 64 random bits, so ids sort by time. */
export function auditEventId(at: number): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  return at.toString(36).padStart(9, "0") + Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

const hourOf = (event: AuditEvent): number => Math.floor(Date.parse(event.at) / HOUR_MS);

/** Hours this isolate has already noted per project (`<projectId> <hour>`), so a note is written once. */
const notedHours = new Set<string>();

async function noteHour(store: Store, projectId: string, hour: number): Promise<void> {
  const memo = `${projectId} ${hour}`;
  if (notedHours.has(memo)) return;
  await store.set(auditHourEntry(projectId, hour), { hour }, { ifAbsent: true, ttlMs: BUCKET_TTL_MS });
  if (notedHours.size >= 10_000) notedHours.clear();
  notedHours.add(memo);
}

/** One project's events of one hour: written in one store call. */
export interface AuditGroup<T> {
  projectId: string;
  hour: number;
  events: T[];
}

/** Groups items by their event's project and hour. */
export function groupAuditEvents<T>(items: readonly T[], eventOf: (item: T) => AuditEvent): AuditGroup<T>[] {
  const groups = new Map<string, AuditGroup<T>>();
  for (const item of items) {
    const event = eventOf(item);
    const hour = hourOf(event);
    const id = `${event.projectId} ${hour}`;
    const group = groups.get(id) ?? { projectId: event.projectId, hour, events: [] };
    group.events.push(item);
    groups.set(id, group);
  }
  return [...groups.values()];
}

/**
 * Writes one group's events in one idempotent store call (events whose ids the hour holds are
 * skipped), oldest first so the newest is read first; notes the hour in the project (once per isolate).
 */
export async function writeAuditGroup(store: Store, group: AuditGroup<AuditEvent>): Promise<void> {
  const events = group.events.toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await Promise.all([
    store.appendMany(auditHour(group.projectId, group.hour), events.map((event) => ({ id: event.id, value: event })), { ttlMs: BUCKET_TTL_MS }),
    noteHour(store, group.projectId, group.hour),
  ]);
}

/** Writes events straight to the store (no queue), one call per project and hour. */
export async function writeAuditEvents(store: Store, events: readonly AuditEvent[]): Promise<void> {
  await Promise.all(groupAuditEvents(events, (event) => event).map((group) => writeAuditGroup(store, group)));
}

/** Where a page ends: in hour `h` after list position `p`, or (no `p`) after the whole of hour `h`. */
interface Position {
  h: number;
  p?: string;
}

function encodeCursor(position: Position): string {
  return btoa(JSON.stringify(position)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(cursor: string): Position {
  try {
    const parsed: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const { h, p } = parsed as Position;
    if (Number.isSafeInteger(h) && h >= 0 && (p === undefined || (typeof p === "string" && p.length <= 64))) return p === undefined ? { h } : { h, p };
  } catch {
    // Falls through to the refusal.
  }
  throw new StoreError("bad_cursor", "cursor is not one this log handed out");
}

/** The hours that hold events, newest first, older than `after` when given. */
async function* hoursOf(store: Store, projectId: string, after: number | undefined): AsyncGenerator<number> {
  let cursor = after === undefined ? undefined : auditHourEntry(projectId, after);
  do {
    const page = await store.scan<{ hour: number }>(auditHoursPrefix(projectId), { limit: MAX_HOURS_PER_PAGE, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) yield item.value.hour;
    cursor = page.cursor;
  } while (cursor);
}

/**
 * A page of the project's audit log, newest first across hours. The cursor (opaque to callers)
 * names an hour and a position in it.
 */
export async function readAuditLog(store: Store, projectId: string, options: { limit?: number; cursor?: string }): Promise<ListPage<AuditEvent>> {
  const size = pageSize(options.limit);
  const from = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const hours = hoursOf(store, projectId, from?.h);
  const items: ListPage<AuditEvent>["items"] = [];
  // Continue inside the cursor's hour first, when it ended mid-hour.
  let current: Position | undefined = from?.p === undefined ? undefined : from;
  for (let visited = 0; ; visited++) {
    if (!current) {
      const next = await hours.next();
      if (next.done) return { items };
      current = { h: next.value };
    }
    if (visited === MAX_HOURS_PER_PAGE) return { items, cursor: encodeCursor({ h: current.h + 1 }) };
    const page = await store.list<AuditEvent>(auditHour(projectId, current.h), { limit: size - items.length, ...(current.p ? { cursor: current.p } : {}) });
    items.push(...page.items);
    if (page.cursor) return { items, cursor: encodeCursor({ h: current.h, p: page.cursor }) };
    if (items.length >= size) {
      // The hour is done; say there is more only if an older hour exists.
      const older = await hours.next();
      return older.done ? { items } : { items, cursor: encodeCursor({ h: current.h }) };
    }
    current = undefined;
  }
}
