/** Calls the Worker under test through its real entry point, as a client would over HTTP. */
import { env, exports } from "cloudflare:workers";

export const ISSUER = "https://id.fedgate.test";
export const ADMIN_TOKEN = "test-bootstrap-token-0123456789abcdef";

/** A request to the Worker, relative to the issuer; `init.env` replaces bindings for this call. */
export function call(path: string, init: RequestInit & { env?: Record<string, unknown> } = {}): Promise<Response> {
  const { env: overrides, ...requestInit } = init;
  // Concatenated, not resolved: a path like "//x" must stay a path.
  const request = new Request(`${ISSUER}${path}`, requestInit);
  if (!overrides) return exports.default.fetch(request);
  // A different env means a different deployment: call the handler directly with it.
  return import("../../src/index").then(({ default: worker }) =>
    worker.fetch(request, { ...env, ...overrides } as never, { waitUntil() {}, passThroughOnException() {}, props: {} } as never),
  );
}

/** An admin request with the bootstrap token. */
export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, { ...init, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) } });
}
