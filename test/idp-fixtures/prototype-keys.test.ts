/**
 * The emulators take request input too, and Fedgate's SECURITY.md AB-6 holds for them: a name
 * Object.prototype holds (`constructor`, `__proto__`, `toString`, …) is an ordinary unknown value.
 * Each test is named after what broke when it did.
 */
import { describe, expect, it } from "vitest";
import { decodeJwt, discover, rawTokens, tokenRequest, useEmulators, type Emulators } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"] as const;

/** POST /__control/<path> with a raw body (so `__proto__` is a member, as JSON.parse reads it). */
const control = (path: string, body: string) =>
  fetch(`${emu.origin}/__control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("AB-6 in the emulators", () => {
  it("grant_type=constructor (and the others) was a 500 at the token endpoint; now unsupported_grant_type", async () => {
    const config = await discover(emu, "okta");
    for (const name of PROTOTYPE_NAMES) {
      const response = await tokenRequest(config, "okta", { grant_type: name });
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as { error: string }).error, name).toBe("unsupported_grant_type");
    }
  });

  it("a Google scope named constructor came back as Object's source text; now as the scope it is", async () => {
    const { body } = await rawTokens(emu, "google", { scope: "openid email constructor toString" });
    expect(body.scope).toBe("openid https://www.googleapis.com/auth/userinfo.email constructor toString");
  });

  it("the switch names constructor, toString, … were accepted as switches; now unknown ones (400)", async () => {
    for (const name of PROTOTYPE_NAMES) {
      // A computed key is an own member even for `__proto__`, so it is serialised.
      const response = await control("okta", JSON.stringify({ [name]: 1 }));
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as { error: string }).error, name).toBe(`unknown switch "${name}"`);
    }
  });

  it("a `__proto__` member of the claims switch replaced the token's prototype; now it is a claim of the token", async () => {
    const set = await control("auth0", '{"claims":{"__proto__":{"email":"mallory@evil.example"},"constructor":"x"}}');
    expect(set.status).toBe(200);
    const { body } = await rawTokens(emu, "auth0");
    const claims = decodeJwt(body.id_token ?? "");
    expect(Object.hasOwn(claims, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(claims, "__proto__")?.value).toEqual({ email: "mallory@evil.example" });
    expect(claims["constructor"]).toBe("x");
    expect(claims.email).toBe("alice@auth0.example");
  });

  it("a JSON body that is not an object (null) made /__control/reset a 500; now a 400", async () => {
    for (const body of ["null", "[]", "7"]) {
      const response = await control("reset", body);
      expect(response.status, body).toBe(400);
    }
  });
});
