/**
 * The DNS-over-HTTPS client (federation/dns-over-https.ts): resolver answers read by hand-built
 * bodies (odd ones real resolvers send), and lookups against the emulated resolver.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { lookupTxt, processTxtResponse, txtText } from "../../src/federation/dns-over-https";
import { UpstreamUnavailableError } from "../../src/federation/upstream-failure";
import { publishTxt } from "../helpers/dns";

const answer = (body: unknown, status = 200) => processTxtResponse(status, typeof body === "string" ? body : JSON.stringify(body), "resolver.test/dns-query");
const txt = (...data: string[]) => ({ Status: 0, Answer: data.map((d) => ({ name: "_fedgate-challenge.example.com.", type: 16, TTL: 300, data: d })) });

describe("DNS over HTTPS: reading TXT answers", () => {
  it("reads quoted data, joins a record's chunks, and undoes presentation escapes", () => {
    expect(txtText('"fedgate-verification=abc"')).toBe("fedgate-verification=abc");
    expect(txtText('"fedgate-verif" "ication=abc"')).toBe("fedgate-verification=abc");
    expect(txtText('"a\\"b" "c\\\\d"')).toBe('a"bc\\d');
    expect(txtText('"caf\\195\\169"')).toBe("café");
    // Google's resolver sends a lone string unquoted.
    expect(txtText("v=spf1 -all")).toBe("v=spf1 -all");
    for (const malformed of ['"open', '"a" b', '"a\\', '"\\999"']) expect(txtText(malformed), malformed).toBeUndefined();
  });

  it("answers each TXT record's text, skipping the CNAME a resolver followed", () => {
    const body = txt('"v=spf1 -all"', '"fedgate-" "verification=abc"');
    body.Answer.unshift({ name: "_fedgate-challenge.example.com.", type: 5, TTL: 300, data: "proofs.example.net." });
    expect(answer(body)).toEqual({ status: "NOERROR", texts: ["v=spf1 -all", "fedgate-verification=abc"] });
    expect(answer({ Status: 0 })).toEqual({ status: "NOERROR", texts: [] });
    expect(answer({ Status: 3, Authority: [] })).toEqual({ status: "NXDOMAIN", texts: [] });
  });

  it("RP-8: an answer that is not a usable DNS answer is an outage, never 'not found'", () => {
    const outages: [unknown, number?][] = [
      [{ Status: 2 }], // SERVFAIL
      [{ Status: 5 }], // REFUSED
      [{ Status: 0 }, 400],
      [{ Status: 0 }, 301],
      ["<html>bad gateway</html>"],
      [{ Answer: [] }],
      [[]],
      [{ Status: 0, Answer: {} }],
      [{ Status: 0, Answer: [{ type: 16 }] }],
      [{ Status: 0, Answer: [{ type: 16, data: '"unterminated' }] }],
      [{ Status: 0, Answer: ["x"] }],
      ["x".repeat(70_000)],
    ];
    for (const [body, status] of outages) {
      expect(() => answer(body, status), JSON.stringify(body).slice(0, 80)).toThrow(UpstreamUnavailableError);
    }
  });

  it("looks a name up at the emulated resolver: NXDOMAIN, then the published records", async () => {
    const name = `_fedgate-challenge.l${Date.now().toString(36)}.example`;
    expect(await lookupTxt(env.DOH_RESOLVER_URL, name)).toEqual({ status: "NXDOMAIN", texts: [] });
    const long = `fedgate-verification=${"x".repeat(300)}`;
    await publishTxt(name, ["one", ["two", " chunks"], long, 'quote " and \\ backslash']);
    expect(await lookupTxt(env.DOH_RESOLVER_URL, name)).toEqual({
      status: "NOERROR", texts: ["one", "two chunks", long, 'quote " and \\ backslash'],
    });
    await publishTxt(name, []);
    expect(await lookupTxt(env.DOH_RESOLVER_URL, name)).toEqual({ status: "NOERROR", texts: [] });
  });

  it("RP-8: an unreachable resolver is an outage", async () => {
    await expect(lookupTxt("http://127.0.0.1:9/dns-query", "_fedgate-challenge.example.com")).rejects.toThrow(UpstreamUnavailableError);
  });
});
