// A single-page app for the e2e tests: a Node http server on 127.0.0.1 that serves one HTML page at
// every path (so an OAuth redirect back to it lands on the page) and browser bundles of npm SDKs,
// built in memory with esbuild (installed with wrangler) as an app's bundler would build them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";

export interface Spa {
  /** e.g. http://127.0.0.1:41234: the page's origin, what clients register as a redirect URI or allowed origin */
  origin: string;
  stop(): Promise<void>;
}

/** An IIFE bundle of `source` (an ES module importing npm packages) exposing its exports as `globalName`. */
export async function browserBundle(source: string, globalName: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: import.meta.dirname, loader: "js" },
    bundle: true,
    format: "iife",
    globalName,
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Serves `scripts` (path → JavaScript) and, at any other path, the page `html(origin)`. */
export async function startSpa(options: { html: (origin: string) => string; scripts: Record<string, string> }): Promise<Spa> {
  let origin = "";
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", origin).pathname;
    const script = Object.hasOwn(options.scripts, path) ? options.scripts[path] : undefined;
    if (script !== undefined) {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" });
      res.end(script);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(options.html(origin));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
