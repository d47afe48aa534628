/** Mounts one provider's endpoints on the app, each behind the fault switches (delay, fail). */
import type { Hono, MiddlewareHandler } from "hono";
import { authorize } from "./authorize";
import { requestClientId, type AppEnv, type Ctx } from "./http";
import { discovery, introspect, keys, logout, revoke, tokeninfo, userinfo } from "./resources";
import { endpointHit, switchesFor } from "./switches";
import { token } from "./token";
import type { Endpoint, Provider } from "./types";

/** `delay` and `fail` switches; client-scoped ones apply when the request names that client. */
function faults(p: Provider, e: Endpoint): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scoped = e === "discovery" || e === "jwks" ? undefined : await requestClientId(c);
    const sw = switchesFor(p.id, scoped);
    if (sw.delay && endpointHit(sw.delay, e)) await new Promise((r) => setTimeout(r, sw.delay?.ms ?? 0));
    if (sw.fail && endpointHit(sw.fail, e)) {
      return c.json({ error: "temporarily_unavailable", error_description: `emulated ${sw.fail.status} on ${e}` }, sw.fail.status as 500);
    }
    await next();
  };
}

const HANDLERS: Record<Endpoint, { methods: ("GET" | "POST")[]; run: (c: Ctx, p: Provider) => Response | Promise<Response> }> = {
  discovery: { methods: ["GET"], run: discovery },
  jwks: { methods: ["GET"], run: keys },
  authorize: { methods: ["GET", "POST"], run: authorize },
  token: { methods: ["POST"], run: token },
  userinfo: { methods: ["GET", "POST"], run: userinfo },
  revoke: { methods: ["POST"], run: revoke },
  logout: { methods: ["GET", "POST"], run: logout },
  introspect: { methods: ["POST"], run: introspect },
  tokeninfo: { methods: ["GET", "POST"], run: tokeninfo },
};

export function mountProvider(app: Hono<AppEnv>, p: Provider): void {
  for (const [e, path] of Object.entries(p.paths) as [Endpoint, string][]) {
    const h = HANDLERS[e];
    app.on(h.methods, path, faults(p, e), (c) => h.run(c, p));
  }
  if (p.id === "okta") {
    // Okta also serves OAuth metadata (RFC 8414) for custom authorization servers.
    app.get(`${p.issuerPath}/.well-known/oauth-authorization-server`, faults(p, "discovery"), (c) => discovery(c, p));
  }
}
