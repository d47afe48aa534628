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
/** The most events one list read returns (the store's largest page). */
const MAX_READ = 200;
/** A filtered page reads at least this many events at a time, so a rare match costs few round trips. */
const MIN_FILTERED_READ = 100;
/** List reads one page may make: a filter that matches little answers a short page with a cursor. */
const MAX_READS = 20;

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

/**
 * Where a page ends: in hour `h` after list position `p` and then `k` more events (a page that filled
 * mid-read), or (neither) after the whole of hour `h`. A `k` without `p` counts from the hour's newest
 * event, so events arriving meanwhile in that (current) hour may show again; none is ever skipped.
 */
interface Position {
  h: number;
  p?: string;
  k?: number;
}

const inHour = (position: Position) => position.p !== undefined || position.k !== undefined;

function encodeCursor(position: Position): string {
  return btoa(JSON.stringify(position)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(cursor: string): Position {
  try {
    const parsed: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const { h, p, k } = parsed as Position;
    const okP = p === undefined || (typeof p === "string" && p.length <= 64);
    const okK = k === undefined || (Number.isSafeInteger(k) && k >= 1 && k < MAX_READ);
    if (Number.isSafeInteger(h) && h >= 0 && okP && okK) return { h, ...(p === undefined ? {} : { p }), ...(k === undefined ? {} : { k }) };
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

/** Which events a reader wants; every field given must hold (an empty filter keeps every event). */
export interface AuditFilter {
  /** An action (`user.disable`), or its first words (`user` keeps `user.*`). */
  action?: string;
  outcome?: AuditEvent["outcome"];
  /** The actor's kind (`operator`), `kind:id` (`user:usr_…`, `api-key:key_…`, `client:…`, `system:<job>`), or a console user's email. */
  actor?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

/** The names an actor answers to in a filter: its kind, `kind:id`, and a console user's email. */
function actorNames(actor: AuditEvent["actor"]): string[] {
  switch (actor.kind) {
    case "api-key":
      return [actor.kind, `${actor.kind}:${actor.keyId}`];
    case "client":
      return [actor.kind, `${actor.kind}:${actor.clientId}`];
    case "user":
      return [actor.kind, `${actor.kind}:${actor.userId}`, ...(actor.email ? [actor.email.toLowerCase()] : [])];
    case "system":
      return [actor.kind, `${actor.kind}:${actor.job}`];
    case "setup-link":
      return [actor.kind, `${actor.kind}:${actor.linkId}`];
    default:
      return [actor.kind];
  }
}

/** Whether `event` passes `filter`. */
export function matchesAudit(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.action !== undefined && event.action !== filter.action && !event.action.startsWith(`${filter.action}.`)) return false;
  if (filter.outcome !== undefined && event.outcome !== filter.outcome) return false;
  if (filter.actor !== undefined) {
    const wanted = filter.actor.includes("@") ? filter.actor.toLowerCase() : filter.actor;
    if (!actorNames(event.actor).includes(wanted)) return false;
  }
  const at = Date.parse(event.at);
  if (filter.since !== undefined && at < filter.since) return false;
  if (filter.until !== undefined && at >= filter.until) return false;
  return true;
}

const filters = (filter: AuditFilter) => Object.values(filter).some((value) => value !== undefined);

/**
 * A page of the project's audit log, newest first across hours, holding only events `filter` keeps.
 * The time range decides which hours are read at all; the other filters are applied to what is read,
 * so one page reads at most MAX_READS lists (of MAX_READ events) across MAX_HOURS_PER_PAGE hours and
 * answers a short page with a cursor rather than scanning further. The cursor (opaque to callers)
 * names an hour and a position in it.
 */
export async function readAuditLog(store: Store, projectId: string, options: { limit?: number; cursor?: string; filter?: AuditFilter }): Promise<ListPage<AuditEvent>> {
  const size = pageSize(options.limit);
  const filter = options.filter ?? {};
  const filtering = filters(filter);
  const from = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const sinceHour = filter.since === undefined ? undefined : Math.floor(filter.since / HOUR_MS);
  // Without a cursor, start after the hour following `until`'s, i.e. with the hour `until` falls in.
  const startAfter = from ? from.h : filter.until === undefined ? undefined : Math.floor((filter.until - 1) / HOUR_MS) + 1;
  const hours = hoursOf(store, projectId, startAfter);
  const nextHour = async (): Promise<number | undefined> => {
    const next = await hours.next();
    return next.done || (sinceHour !== undefined && next.value < sinceHour) ? undefined : next.value;
  };
  const items: ListPage<AuditEvent>["items"] = [];
  // Continue inside the cursor's hour first, when it ended mid-hour.
  let current: Position | undefined = from && inHour(from) ? from : undefined;
  for (let visited = 0, reads = 0; ; visited++) {
    if (!current) {
      const h = await nextHour();
      if (h === undefined) return { items };
      current = { h };
    }
    if (visited === MAX_HOURS_PER_PAGE || reads === MAX_READS) return { items, cursor: encodeCursor(inHour(current) ? current : { h: current.h + 1 }) };
    // Unfiltered, read exactly what the page still needs; filtered, read more at a time (the page never overshoots: see `k`).
    const skip = current.k ?? 0;
    const limit = Math.min(MAX_READ, skip + (filtering ? Math.max(size - items.length, MIN_FILTERED_READ) : size - items.length));
    const page = await store.list<AuditEvent>(auditHour(projectId, current.h), { limit, ...(current.p ? { cursor: current.p } : {}) });
    reads++;
    for (let i = skip; i < page.items.length; i++) {
      if (!matchesAudit(page.items[i]!.value, filter)) continue;
      items.push(page.items[i]!);
      if (items.length < size) continue;
      if (i + 1 < page.items.length) return { items, cursor: encodeCursor({ h: current.h, ...(current.p ? { p: current.p } : {}), k: i + 1 }) };
      if (page.cursor) return { items, cursor: encodeCursor({ h: current.h, p: page.cursor }) };
      // The hour is done; say there is more only if an older hour (in range) exists.
      return (await nextHour()) === undefined ? { items } : { items, cursor: encodeCursor({ h: current.h }) };
    }
    current = page.cursor ? { h: current.h, p: page.cursor } : undefined;
  }
}
