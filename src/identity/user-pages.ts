/**
 * A project's users, read across the user partitions (store/keys.ts `USER_PARTITIONS`, shared by all
 * projects; a scan reads only this project's prefix) as one list: in partition order, then key order.
 * A position is the last key read (its partition is in its tag) or a partition's bare prefix (that
 * partition from its start); admin/ wraps it as the opaque cursor.
 */
import * as keys from "../store/keys";
import { pageSize, StoreError, type ListPage, type Store } from "../store/store";
import type { User } from "./users";

/** The partition a position names and the scan cursor inside it. */
function positionOf(projectId: string, position: string | undefined): { bucket: number; after?: string } {
  if (position === undefined) return { bucket: 0 };
  const match = /^\{u:(\d{1,3})\}user:([^:]+):/.exec(position);
  const bucket = Number(match?.[1]);
  if (!match || match[2] !== projectId || !(bucket < keys.USER_PARTITIONS)) throw new StoreError("bad_cursor", "cursor is not one this list handed out");
  return position === keys.usersPrefix(projectId, bucket) ? { bucket } : { bucket, after: position };
}

/**
 * A page of the project's users. Partitions are scanned in parallel waves that double in width
 * (1, 2, 4, …), so a large tenant's page costs one scan and a sparse one's a handful of waves.
 * The cursor is the page's last key: the next page resumes after it, in its partition or the next.
 */
export async function listUsers(store: Store, projectId: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage<User>> {
  const limit = pageSize(options.limit);
  // One user more than the page, so a page that ends a partition knows whether anything follows.
  const wanted = limit + 1;
  let { bucket, after } = positionOf(projectId, options.cursor);
  const items: ListPage<User>["items"] = [];
  for (let width = 1; bucket < keys.USER_PARTITIONS; width *= 2) {
    const wave = Array.from({ length: Math.min(width, keys.USER_PARTITIONS - bucket) }, (_, i) => bucket + i);
    const room = wanted - items.length;
    const pages = await Promise.all(wave.map((b, i) => store.scan<User>(keys.usersPrefix(projectId, b), { limit: room, ...(i === 0 && after !== undefined ? { cursor: after } : {}) })));
    for (const page of pages) {
      items.push(...page.items.slice(0, wanted - items.length));
      if (items.length === wanted) {
        items.pop();
        return { items, cursor: items.at(-1)!.id };
      }
      // The store's own page cap was reached inside this partition: resume after its last item.
      if (page.cursor !== undefined) return { items, cursor: items.at(-1)!.id };
    }
    bucket += wave.length;
    after = undefined;
  }
  return { items };
}

/** Whether the project has any user (one small scan of each partition, in parallel). */
export async function hasUsers(store: Store, projectId: string): Promise<boolean> {
  const pages = await Promise.all(Array.from({ length: keys.USER_PARTITIONS }, (_, b) => store.scan(keys.usersPrefix(projectId, b), { limit: 1 })));
  return pages.some((page) => page.items.length > 0);
}
