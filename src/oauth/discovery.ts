/**
 * Discovery: the OpenID Provider / OAuth 2.0 Authorization Server metadata and the JWKS. Both are
 * public, cacheable and CORS-enabled (SECURITY.md AS-14). The metadata lists only what exists.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { JWKS_MAX_AGE_S } from "../tokens/keys";

const METADATA_MAX_AGE_S = 3600;

/** The metadata document; later endpoints add their entries here. */
export function providerMetadata(config: Config): Record<string, unknown> {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.issuer}/.well-known/jwks.json`,
  };
}

export const discovery = new Hono<AppEnv>()
  .use(cors({ origin: "*", allowMethods: ["GET", "HEAD"], maxAge: 86_400 }))
  .use(etag())
  .get("/openid-configuration", (c) => {
    c.header("Cache-Control", `public, max-age=${METADATA_MAX_AGE_S}`);
    return c.json(providerMetadata(c.var.config));
  })
  .get("/oauth-authorization-server", (c) => {
    c.header("Cache-Control", `public, max-age=${METADATA_MAX_AGE_S}`);
    return c.json(providerMetadata(c.var.config));
  })
  .get("/jwks.json", async (c) => {
    const keys = await c.var.keys.publicKeys();
    // Next keys are published ahead of use, so a verifier's copy may be this old and still current.
    c.header("Cache-Control", `public, max-age=${JWKS_MAX_AGE_S}, stale-while-revalidate=${JWKS_MAX_AGE_S}`);
    c.header("Content-Type", "application/jwk-set+json");
    return c.body(JSON.stringify({ keys }));
  });
