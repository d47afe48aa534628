/**
 * What each kind of identity provider needs from the customer's IT admin (step 2): where to register
 * Fedgate, under which names the callback URL and the other values go, and what the issuer looks
 * like (step 3). Plain data, rendered by steps/provider.tsx.
 */

export interface KindGuide {
  value: string;
  label: string;
  /** Where in the provider's console the application is registered. */
  where: string;
  /** The values to enter there: the field's name at the provider, and its value (`{callback}` is the callback URL). */
  values: { name: string; value: string }[];
  /** What the issuer URL looks like, for step 3's hint. */
  issuerHint: string;
  /** The scopes Fedgate asks for. */
  scopes: string[];
}

export const KINDS: readonly KindGuide[] = [
  {
    value: "okta", label: "Okta",
    where: "In the Okta Admin Console: Applications, Create App Integration, sign-in method OIDC - OpenID Connect, application type Web Application.",
    values: [{ name: "Sign-in redirect URI", value: "{callback}" }, { name: "Grant type", value: "Authorization Code" }, { name: "Assignments", value: "the people or groups who will sign in" }],
    issuerHint: "https://<your Okta domain>/oauth2/default for the default authorization server, or https://<your Okta domain>.",
    scopes: ["openid", "email", "profile"],
  },
  {
    value: "auth0", label: "Auth0",
    where: "In the Auth0 Dashboard: Applications, Create Application, type Regular Web Application; then its Settings tab.",
    values: [{ name: "Allowed Callback URLs", value: "{callback}" }, { name: "Grant types (Advanced settings)", value: "Authorization Code" }],
    issuerHint: "https://<your Auth0 domain>/ (with the final slash).",
    scopes: ["openid", "email", "profile"],
  },
  {
    value: "google", label: "Google Workspace",
    where: "In the Google Cloud console: APIs & Services, Credentials, Create credentials, OAuth client ID, application type Web application.",
    values: [{ name: "Authorized redirect URI", value: "{callback}" }],
    issuerHint: "https://accounts.google.com",
    scopes: ["openid", "email", "profile"],
  },
  {
    value: "cognito", label: "Amazon Cognito",
    where: "In the Amazon Cognito console: your user pool, App integration, App clients, Create app client (a confidential client, with a client secret).",
    values: [{ name: "Allowed callback URL", value: "{callback}" }, { name: "OAuth 2.0 grant type", value: "Authorization code grant" }, { name: "OpenID Connect scopes", value: "openid email" }],
    issuerHint: "https://cognito-idp.<region>.amazonaws.com/<user pool id>",
    scopes: ["openid", "email"],
  },
  {
    value: "oidc", label: "Another OpenID Connect provider",
    where: "In your provider's administration: register a web application (a confidential client) that uses the authorization code flow.",
    values: [{ name: "Redirect URI", value: "{callback}" }, { name: "Grant type", value: "Authorization code" }, { name: "Scopes", value: "openid email profile" }],
    issuerHint: "The URL whose /.well-known/openid-configuration describes your provider.",
    scopes: ["openid", "email", "profile"],
  },
];

/** The guide of a kind, by its value; undefined for anything else (AB-6: no object indexing). */
export const kindGuide = (value: string | null | undefined): KindGuide | undefined => KINDS.find((kind) => kind.value === value);

