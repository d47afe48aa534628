/** A setup link's token is its pages' path: the request log line must not carry it. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";

afterEach(() => {
  vi.restoreAllMocks();
});

it("logs a setup page's path without the link's token", async () => {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
  const token = "Tok3nThatMustNotBeLogged_0123456789abcdefgh";
  const ctx = createExecutionContext();
  const answer = await createApp().request(`/setup/${token}/provider`, {}, { ...env, LOG_LEVEL: "info" }, ctx);
  await waitOnExecutionContext(ctx);
  expect(answer.status).toBe(404); // no such link: the page says so
  const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
  expect(logged.map((l) => l.path)).toContain("/setup/<token>/provider");
  expect(lines.join("\n")).not.toContain(token);
});
