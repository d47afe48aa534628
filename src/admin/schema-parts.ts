/** The small schemas (zod/mini) every admin resource's schemas share. */
import * as z from "zod/mini";

/** Text that is trimmed and not empty, at most `max` characters. */
export const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
export const ScopeToken = z.string().check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, "must be an RFC 6749 scope token"));
export const Seconds = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
export const Timestamps = { createdAt: z.string(), updatedAt: z.string() };
