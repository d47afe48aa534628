// oidc-client-ts's UserManager, unmodified, in Chromium against the running broker: a page served
// from a registered origin signs in (signinRedirect → Fedgate → an emulated IdP → signinRedirectCallback),
// loads userinfo, refreshes with signinSilent (refresh token), and signs out with signoutRedirect
// after revoking its tokens; every call to Fedgate is cross-origin, answered by credentialed CORS.
import { decodeJwt } from "jose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, signInFromApp } from "./browser";
import { PROVIDERS, setUpSignIn, type SignInSetup } from "./signin-setup";
import { browserBundle, startSpa, type Spa } from "./spa";

const brokerUrl = inject("brokerUrl");
const emulatorOrigin = inject("emulatorOrigin");

/** The SPA's page: a UserManager configured for Fedgate; "/callback" completes the sign-in. */
const page = (clientId: () => string, credentials: () => string | undefined) => (origin: string) => `<!doctype html>
<html lang="en"><title>oidc-client-ts SPA</title><link rel="icon" href="data:,">
<script src="/oidc-client-ts.js"></script>
<h1>oidc-client-ts SPA</h1>
<button type="button" id="sign-in">Sign in</button>
<button type="button" id="sign-out">Sign out</button>
<p id="status" role="status"></p>
<script>
  window.manager = new OidcClient.UserManager({
    authority: ${JSON.stringify(brokerUrl)},
    client_id: ${JSON.stringify(clientId())},
    redirect_uri: ${JSON.stringify(`${origin}/callback`)},
    post_logout_redirect_uri: ${JSON.stringify(`${origin}/`)},
    scope: "openid email profile offline_access",
    loadUserInfo: true,
    revokeTokensOnSignout: true,
    ${credentials() ? `fetchRequestCredentials: ${JSON.stringify(credentials())},` : ""}
  });
  const status = document.getElementById("status");
  document.getElementById("sign-in").onclick = () =>
    manager.signinRedirect().catch((error) => { status.textContent = "Sign-in failed: " + error.message; });
  document.getElementById("sign-out").onclick = () =>
    manager.signoutRedirect().catch((error) => { status.textContent = "Sign-out failed: " + error.message; });
  if (location.pathname === "/callback") {
    manager.signinRedirectCallback().then(
      (user) => { status.textContent = "Signed in as " + user.profile.email; },
      (error) => { status.textContent = "Sign-in failed: " + error.message; },
    );
  }
</script>
</html>`;

describe("oidc-client-ts in Chromium", () => {
  let browser: Browser;
  let setup: SignInSetup;
  let spa: Spa;
  let clientId = "";
  let credentials: string | undefined;

  beforeAll(async () => {
    const bundle = await browserBundle('export { UserManager } from "oidc-client-ts";', "OidcClient");
    [browser, setup, spa] = await Promise.all([
      launchBrowser(),
      setUpSignIn(brokerUrl, inject("adminToken"), inject("emulatorIssuers")),
      startSpa({ html: page(() => clientId, () => credentials), scripts: { "/oidc-client-ts.js": bundle } }),
    ]);
    clientId = await setup.addClient([`${spa.origin}/callback`], [`${spa.origin}/`]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), setup?.close(), spa?.stop()]);
  });

  it("signs in, loads userinfo, refreshes with signinSilent, and signs out with revocation and signoutRedirect", async () => {
    credentials = undefined; // the default, "same-origin": no cookies go to Fedgate, none are needed
    const { context, page, problems } = await openPage(browser);
    try {
      const { email, password } = PROVIDERS.auth0;
      await signInFromApp(page, { appUrl: spa.origin, projectName: setup.projectName, emulatorOrigin, email, password });
      await page.getByRole("status").filter({ hasText: `Signed in as ${email}` }).waitFor();

      const user = await page.evaluate(async () => {
        const signedIn = await (window as any).manager.getUser();
        return { access: signedIn.access_token, refresh: signedIn.refresh_token, profile: signedIn.profile };
      });
      expect(decodeJwt(user.access)).toMatchObject({ iss: brokerUrl, client_id: clientId, email, idp: "auth0" });
      expect(user.refresh).toBeTruthy();
      expect(user.profile).toMatchObject({ email, email_verified: true }); // merged from userinfo (loadUserInfo)

      const refreshed = await page.evaluate(async () => {
        const renewed = await (window as any).manager.signinSilent();
        return { access: renewed.access_token, refresh: renewed.refresh_token };
      });
      expect(refreshed.access).not.toBe(user.access);
      expect(refreshed.refresh).not.toBe(user.refresh);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL((url) => url.href === `${spa.origin}/` || url.href.startsWith(`${spa.origin}/?state=`));
      const refused = await fetch(`${brokerUrl}/oauth2/token`, {
        method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshed.refresh, client_id: clientId }),
      });
      expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
      await expect.poll(() => setup.auditActions(), { timeout: 5_000 }).toEqual(expect.arrayContaining(["token.revoke", "session.logout"]));
      expect(problems.filter((problem) => problem.includes(brokerUrl) || problem.includes(spa.origin))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("with fetchRequestCredentials 'include', discovery (Access-Control-Allow-Origin: *) is refused by the browser", async () => {
    credentials = "include";
    const { context, page } = await openPage(browser);
    try {
      await page.goto(spa.origin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("status").filter({ hasText: "Sign-in failed: Failed to fetch" }).waitFor();
    } finally {
      await context.close();
      credentials = undefined;
    }
  });
});
