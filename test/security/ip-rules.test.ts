import { describe, expect, it } from "vitest";
import { ipAllowed, normaliseCidr } from "../../src/security/ip-rules";

describe("AB-2: IP access rules", () => {
  it("accepts IPv4 and IPv6 CIDRs in canonical form, and refuses host bits and garbage", () => {
    expect(normaliseCidr("203.0.113.0/24")).toBe("203.0.113.0/24");
    expect(normaliseCidr(" 10.0.0.0/8 ")).toBe("10.0.0.0/8");
    expect(normaliseCidr("2001:DB8::/32")).toBe("2001:db8::/32");
    expect(normaliseCidr("2001:db8:0:0:0:0:0:0/48")).toBe("2001:db8::/48");
    expect(normaliseCidr("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(normaliseCidr("::/0")).toBe("::/0");
    expect(normaliseCidr("192.0.2.1/32")).toBe("192.0.2.1/32");
    for (const bad of ["10.0.0.1/8", "2001:db8::1/32", "10.0.0.0", "10.0.0.0/33", "2001:db8::/129", "example.com/24", "", "10.0.0.0/-1"]) {
      expect(normaliseCidr(bad), bad).toBeUndefined();
    }
  });

  it("lets everything through when no rule is set", () => {
    expect(ipAllowed("198.51.100.1")).toBe(true);
    expect(ipAllowed(undefined, { allow: [], deny: [] })).toBe(true);
  });

  it("allows only listed networks when an allow list is set, IPv4 and IPv6", () => {
    const rules = { allow: ["203.0.113.0/24", "2001:db8::/32"], deny: [] };
    expect(ipAllowed("203.0.113.77", rules)).toBe(true);
    expect(ipAllowed("203.0.114.1", rules)).toBe(false);
    expect(ipAllowed("2001:db8:1::5", rules)).toBe(true);
    expect(ipAllowed("2001:db9::5", rules)).toBe(false);
    // An IPv4 client seen through an IPv4-mapped IPv6 address is still that IPv4 client.
    expect(ipAllowed("::ffff:203.0.113.9", rules)).toBe(true);
  });

  it("lets deny win over allow, and every rule set (project and client) must pass", () => {
    const project = { allow: ["10.0.0.0/8"], deny: ["10.6.6.0/24"] };
    const client = { allow: ["10.1.0.0/16"], deny: [] };
    expect(ipAllowed("10.1.2.3", project, client)).toBe(true);
    expect(ipAllowed("10.2.0.1", project, client)).toBe(false);
    expect(ipAllowed("10.6.6.6", project)).toBe(false);
  });

  it("refuses an unknown or malformed address once any rule is set", () => {
    const rules = { allow: [], deny: ["192.0.2.0/24"] };
    expect(ipAllowed(undefined, rules)).toBe(false);
    expect(ipAllowed("not-an-ip", rules)).toBe(false);
    expect(ipAllowed("198.51.100.1", rules)).toBe(true);
  });
});
