/**
 * Admin view and rotation of Fedgate's signing keys. Rotation promotes the next key once it has
 * been published long enough; `{"force": true}` promotes at once (after a key compromise).
 */
import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { requireOperator } from "./auth";
import { jsonBody } from "./json-body";

const RotateRequest = z.strictObject({ force: z.optional(z.boolean()) });

/** Mounted behind adminAuth(); signing keys are the platform operator's alone. */
export const signingKeys = new Hono<AppEnv>()
  .use(async (c, next) => {
    requireOperator(c);
    await next();
  })
  .get("/", async (c) => c.json({ keys: await c.var.keys.describe() }))
  .post("/rotate", async (c) => {
    const { force } = await jsonBody(c, RotateRequest);
    const report = await c.var.keys.rotate(force ? "forced" : "requested");
    c.var.log.info("signing keys rotation", { promoted: report.promoted, force: Boolean(force) });
    if (!report.promoted) {
      throw new Problem(409, "Next key not yet published long enough", {
        description: `The next key may sign from ${new Date(report.notBefore!).toISOString()}, once every cached JWKS has it. Send {"force": true} to rotate now.`,
        extensions: { notBefore: new Date(report.notBefore!).toISOString(), keys: report.keys },
      });
    }
    return c.json(report);
  });
