/**
 * The admin API under /admin/v1: every operation declared once (routes/*.ts) and mounted behind
 * admin authentication; the OpenAPI document is generated from the same declarations.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { adminAuth } from "./auth";
import { docs } from "./docs";
import { memoSettled } from "../cache";
import type { Config } from "../config";
import { cachedDocument, serveDocument } from "../cached-document";
import { API_BASE, mount, openApiDocument, type AnyOperation } from "./openapi";
import { auditOperations } from "./routes/audit";
import { clientOperations } from "./routes/clients";
import { domainProofOperations } from "./routes/domain-proofs";
import { domainOperations } from "./routes/domains";
import { meOperations } from "./routes/me";
import { migrationReportOperations } from "./routes/migration-report";
import { projectOperations } from "./routes/projects";
import { providerOperations } from "./routes/providers";
import { providerTestOperations } from "./routes/provider-tests";
import { sessionOperations } from "./routes/sessions";
import { setupLinkOperations } from "./routes/setup-links";
import { userOperations } from "./routes/users";
import { signingKeys } from "./signing-keys";

export const operations: readonly AnyOperation[] = [
  ...meOperations,
  ...projectOperations,
  ...clientOperations,
  ...providerOperations,
  ...providerTestOperations,
  ...domainOperations,
  ...domainProofOperations,
  ...userOperations,
  ...sessionOperations,
  ...auditOperations,
  ...migrationReportOperations,
  ...setupLinkOperations,
];

/** The OpenAPI document for this deployment's config (its issuer), built once per isolate. */
const openApi = memoSettled((config: Config) => cachedDocument(openApiDocument(operations, { version: "1", serverUrl: config.issuer })));

const protectedApi = new Hono<AppEnv>();
protectedApi.use(adminAuth());
protectedApi.route("/signing-keys", signingKeys);
mount(protectedApi, operations);

export const admin = new Hono<AppEnv>()
  // Public: the API's description is no secret, and the reference page loads it without a token.
  .get("/openapi.json", async (c) => serveDocument(c, await openApi(c.get("config")), "application/json", "public, max-age=300"))
  .route("/docs", docs)
  .route("/", protectedApi);

export { API_BASE };
