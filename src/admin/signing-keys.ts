/**
 * Admin view and rotation of Fedgate's signing keys. Rotation promotes the next key once it has
 * been published long enough; `{"force": true}` promotes at once (after a key compromise).
 * `{"alg": "RS256"}` rotates one algorithm's keys; without it, every algorithm the set holds,
 * all or none. A rotation is audited (`signing-key.rotate`) in the operator project's log, when the
 * deployment has one (CONSOLE_PROJECT_ID).
 */
import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { audit } from "../security/audit";
import { requireOperator } from "./auth";
import { jsonBody } from "./json-body";

const RotateRequest = z.strictObject({ force: z.optional(z.boolean()), alg: z.optional(z.enum(["ES256", "RS256"])) });

/** Mounted behind adminAuth(); signing keys are the platform operator's alone. */
export const signingKeys = new Hono<AppEnv>()
  .use(async (c, next) => {
    requireOperator(c);
    await next();
  })
  .get("/", async (c) => c.json({ keys: await c.get("signingKeys").describe() }))
  .post("/rotate", async (c) => {
    const { force, alg } = await jsonBody(c, RotateRequest);
    if (alg && !(await c.get("signingKeys").describe()).some((key) => key.alg === alg)) {
      // Rotation never creates an algorithm's first keys: they come when a client needs them.
      throw new Problem(409, "No keys of this algorithm", { description: `No client has needed ${alg} keys yet, so there is nothing to rotate.` });
    }
    const report = await c.get("signingKeys").rotate(force ? "forced" : "requested", alg);
    c.get("log").info("signing keys rotation", { promoted: report.promoted, algs: report.promotedAlgs, force: Boolean(force) });
    if (!report.promoted) {
      throw new Problem(409, "Next key not yet published long enough", {
        description: `The next key may sign from ${new Date(report.notBefore!).toISOString()}, once every cached JWKS has it. Send {"force": true} to rotate now.`,
        extensions: { notBefore: new Date(report.notBefore!).toISOString(), keys: report.keys },
      });
    }
    // Keys belong to no tenant: the operator project's log (CONSOLE_PROJECT_ID) is the platform's, when there is one.
    const platform = c.get("config").console?.projectId;
    if (platform) {
      await audit(c, {
        projectId: platform, action: "signing-key.rotate", target: { type: "signing-key", id: report.promotedAlgs.join(" ") },
        after: { forced: Boolean(force), promotedAlgs: report.promotedAlgs, keys: report.keys.map(({ kid, alg, state }) => ({ kid, alg, state })) },
      });
    }
    return c.json(report);
  });
