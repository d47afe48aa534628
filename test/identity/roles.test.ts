/**
 * Role mappings (identity/roles.ts): which of a provider's rules an upstream identity matches.
 * Through HTTP with the emulators: test/federation/groups-to-roles.test.ts.
 */
import { describe, expect, it } from "vitest";
import { mappedRolesFor } from "../../src/identity/roles";
import type { RoleMapping } from "../../src/registry/providers";

const who = (groups: string[], raw: Record<string, unknown> = {}) => ({ groups, raw });
const rolesOf = (roleMappings: RoleMapping[] | undefined, identity: ReturnType<typeof who>) => mappedRolesFor({ roleMappings }, identity);

describe("mappedRolesFor", () => {
  it("grants a group rule's role when the person is in the group, compared exactly", () => {
    const rules: RoleMapping[] = [{ group: "Engineering", role: "dev" }, { group: "Sales", role: "sales" }];
    expect(rolesOf(rules, who(["Everyone", "Engineering"]))).toEqual(["dev"]);
    expect(rolesOf(rules, who(["engineering"]))).toEqual([]);
  });

  it("grants a claim rule's role when the claim equals the value, or is an array of strings holding it", () => {
    const rules: RoleMapping[] = [{ claim: "hd", value: "workspace.example", role: "staff" }, { claim: "https://example.com/roles", value: "admin", role: "app:admin" }];
    expect(rolesOf(rules, who([], { hd: "workspace.example" }))).toEqual(["staff"]);
    expect(rolesOf(rules, who([], { "https://example.com/roles": ["reader", "admin"] }))).toEqual(["app:admin"]);
    expect(rolesOf(rules, who([], { hd: "other.example", "https://example.com/roles": "reader" }))).toEqual([]);
  });

  it("matches no claim that is not a string or an array made entirely of strings", () => {
    const rules: RoleMapping[] = [{ claim: "level", value: "1", role: "one" }, { claim: "tags", value: "a", role: "tagged" }];
    expect(rolesOf(rules, who([], { level: 1, tags: ["a", 2] }))).toEqual([]);
    expect(rolesOf(rules, who([], { level: ["1"], tags: { a: "a" } }))).toEqual(["one"]);
  });

  it("AB-6: a rule on __proto__, constructor or toString reads an ordinary claim, absent unless the upstream sent it", () => {
    const rules: RoleMapping[] = ["__proto__", "constructor", "toString", "hasOwnProperty"].map((claim) => ({ claim, value: "[object Object]", role: claim }));
    expect(rolesOf(rules, who([], {}))).toEqual([]);
    expect(rolesOf([{ claim: "constructor", value: "x", role: "sent" }], who([], JSON.parse('{"constructor":"x"}')))).toEqual(["sent"]);
  });

  it("lists each role once, in rule order; no mappings grant nothing", () => {
    const rules: RoleMapping[] = [
      { group: "b", role: "second" }, { group: "a", role: "first" }, { claim: "x", value: "1", role: "second" }, { group: "a", role: "third" },
    ];
    expect(rolesOf(rules, who(["a", "b"], { x: "1" }))).toEqual(["second", "first", "third"]);
    expect(rolesOf(undefined, who(["a"]))).toEqual([]);
    expect(rolesOf([], who(["a"]))).toEqual([]);
  });
});
