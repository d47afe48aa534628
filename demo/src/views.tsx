/** The demo app's three pages: signed out, signed in, and an error. No script; one small stylesheet. */
import type { Child } from "hono/jsx";

const USERS = [
  ["Auth0", "alice@auth0.example", "alice-password"],
  ["Okta", "olivia@okta.example", "olivia-password"],
  ["Google", "gina@workspace.example", "gina-password"],
  ["Cognito", "carl@cognito.example", "carl-password"],
] as const;

function Page({ title, children }: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · Fedgate demo app</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body>
        <header>
          <span>Demo app</span> <small>a downstream app signing in through Fedgate</small>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

export function SignedOut({ issuer, configured, notice }: { issuer: string; configured: boolean; notice?: string }) {
  return (
    <Page title="Welcome">
      <h1>Welcome</h1>
      {notice ? <p role="status">{notice}</p> : null}
      <p>
        This app sends you to Fedgate (<code>{issuer}</code>), which sends you to your organisation's identity provider (an
        emulator here) and back with tokens.
      </p>
      {configured ? (
        <form method="post" action="/login">
          <label for="login_hint">Email (optional: sent as <code>login_hint</code>, so Fedgate skips its own form)</label>
          <input id="login_hint" name="login_hint" type="email" autocomplete="email" />
          <button type="submit">Sign in</button>
        </form>
      ) : (
        <p role="alert">No client id: start the demo with <code>npm run dev</code>, which seeds Fedgate and passes it.</p>
      )}
      <h2>Seeded people</h2>
      <table>
        <thead>
          <tr><th scope="col">provider</th><th scope="col">email</th><th scope="col">password</th></tr>
        </thead>
        <tbody>
          {USERS.map(([provider, email, password]) => (
            <tr><td>{provider}</td><td><code>{email}</code></td><td><code>{password}</code></td></tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

export interface SignedInProps {
  idClaims: Record<string, unknown>;
  accessClaims: Record<string, unknown>;
  hasRefreshToken: boolean;
  refreshedAt?: number | undefined;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function SignedIn({ idClaims, accessClaims, hasRefreshToken, refreshedAt }: SignedInProps) {
  const who = String(idClaims.email ?? idClaims.sub);
  return (
    <Page title="Signed in">
      <h1>Signed in as {who}</h1>
      {refreshedAt ? <p role="status">Tokens refreshed at {new Date(refreshedAt * 1000).toISOString()}.</p> : null}
      <div class="actions">
        {hasRefreshToken ? (
          <form method="post" action="/refresh">
            <button type="submit">Refresh tokens</button>
          </form>
        ) : null}
        <form method="post" action="/logout">
          <button type="submit" class="secondary">Sign out</button>
        </form>
      </div>
      <h2>ID token claims</h2>
      <p>Validated by openid-client: signature, issuer, audience, expiry and this sign-in's nonce.</p>
      <pre id="id-token-claims">{json(idClaims)}</pre>
      <h2>Access token claims</h2>
      <p>Verified as an API would: Fedgate's JWKS, <code>typ: at+jwt</code>, issuer, audience.</p>
      <pre id="access-token-claims">{json(accessClaims)}</pre>
    </Page>
  );
}

export function Failure({ message }: { message: string }) {
  return (
    <Page title="Sign-in failed">
      <h1>Sign-in failed</h1>
      <p role="alert">{message}</p>
      <p><a href="/">Back to the start</a></p>
    </Page>
  );
}

export const STYLE = `body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1f24;background:#f7f7f9}
header{padding:.75rem 1.5rem;background:#14532d;color:#fff}header small{opacity:.85;margin-left:.5rem}
main{max-width:48rem;margin:2rem auto;padding:0 1.5rem}h1{font-size:1.6rem;overflow-wrap:anywhere}
label{display:block;margin:1rem 0 .4rem;font-weight:600}input{width:100%;max-width:24rem;padding:.55rem;font:inherit;border:1px solid #6b7280;border-radius:.4rem;box-sizing:border-box}
button{display:block;margin-top:.75rem;padding:.55rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#15803d;border:1px solid #15803d;border-radius:.4rem;cursor:pointer}
button.secondary{color:#1b1f24;background:#fff;border-color:#9ca3af}.actions{display:flex;gap:.75rem}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
pre{padding:1rem;overflow:auto;background:#0f172a;color:#e2e8f0;border-radius:.5rem;font-size:.85rem}
table{border-collapse:collapse}th,td{padding:.3rem .9rem .3rem 0;text-align:left}
[role=alert]{padding:.75rem 1rem;color:#8a1c12;background:#fdf1f0;border:1px solid #e3a6a0;border-radius:.5rem}
[role=status]{color:#14532d}`;
