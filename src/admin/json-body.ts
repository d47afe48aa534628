/** Reads and validates an admin request's JSON body, answering bad input with problem+json 400/415. */
import type { Context } from "hono";
import * as z from "zod/mini";
// The English messages alone: `z.locales.en()` would bundle every locale (~38 KiB gzip).
import en from "zod/v4/locales/en.js";
import type { AppEnv } from "../env";
import { Problem } from "../errors";

// zod/mini ships without messages: load English ones, so problems say what is wrong.
z.config(en());

/** The body parsed by `schema`; an empty body counts as `{}`. */
export async function jsonBody<S extends z.ZodMiniType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  let value: unknown = {};
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(c.req.header("Content-Type") ?? "")) {
    if ((await c.req.arrayBuffer()).byteLength > 0) {
      throw new Problem(415, "Unsupported Media Type", { description: "Send the body as application/json." });
    }
  } else {
    const text = await c.req.text();
    if (text.trim() !== "") {
      try {
        value = JSON.parse(text);
      } catch {
        throw new Problem(400, "Bad Request", { description: "The body is not valid JSON." });
      }
    }
  }
  const result = z.safeParse(schema, value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      // An unknown field's name is the point of its issue: put it in the path.
      path: [...issue.path, ...(issue.code === "unrecognized_keys" ? [issue.keys.join(", ")] : [])].join("."),
      message: issue.message,
    }));
    throw new Problem(400, "Bad Request", {
      description: issues.map((i) => (i.path ? `"${i.path}": ${i.message}` : i.message)).join("; "),
      extensions: { errors: issues },
    });
  }
  return result.data;
}
