/** The JSON logger: levels, the base fields on every line, and what `enabled` lets callers skip. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { errors } from "jose";
import { createLogger, describeError } from "../src/log";
import { createApp } from "../src/app";
import { env } from "cloudflare:workers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createLogger", () => {
  it("writes one JSON line per call at or above its level, with the base fields", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    const log = createLogger("info", { requestId: "r-1" });
    log.debug("not written");
    log.info("written", { n: 1 });
    log.warn("also written");
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "info", msg: "written", requestId: "r-1", n: 1 },
      { level: "warn", msg: "also written", requestId: "r-1" },
    ]);
    expect(log.enabled("debug")).toBe(false);
    expect(log.enabled("info")).toBe(true);
    expect(createLogger("warn").enabled("info")).toBe(false);
  });

  it("names a library error by its code too, which survives a minified bundle", () => {
    expect(describeError(new errors.JWTExpired("expired", {}))).toMatchObject({ error: "JWTExpired", code: "ERR_JWT_EXPIRED", message: "expired" });
    expect(describeError("plain")).toEqual({ error: "plain" });
  });
});

describe("the request log line", () => {
  it("is written at info with the request id, and not at warn", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const app = createApp();
    const atInfo = await app.request("/healthz", {}, { ...env, LOG_LEVEL: "info" });
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(line).toMatchObject({ level: "info", method: "GET", path: "/healthz", status: 200, requestId: atInfo.headers.get("X-Request-Id") });

    lines.length = 0;
    const atWarn = await app.request("/healthz", {}, { ...env, LOG_LEVEL: "warn" });
    expect(atWarn.status).toBe(200);
    expect(atWarn.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([]);
  });
});
