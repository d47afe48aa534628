/**
 * Every store key Fedgate writes is built here, and only here. The README's "Storage" section
 * lists each prefix with its value shape and TTL; keep the two in step.
 *
 * `{tag}` is the key's partition (see store.ts): records written together share one.
 */

/** Fedgate's own signing keys (tokens/keys.ts): one record, rotated with compare-and-set. */
export const signingKeySet = (): string => "{fedgate}signing-keys";
