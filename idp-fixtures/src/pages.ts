/** The emulators' HTML: a plain, accessible sign-in form and an error page. */

const TITLES: Record<string, string> = {
  auth0: "Auth0",
  okta: "Okta",
  "okta-org": "Okta",
  google: "Google",
  cognito: "Amazon Cognito",
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem}[role=alert]{color:#a00}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The sign-in form; it posts the pending transaction id back to the authorize endpoint. */
export function signInPage(o: {
  provider: string;
  action: string;
  tx: string;
  clientId: string;
  loginHint?: string;
  error?: string;
}): string {
  const name = TITLES[o.provider] ?? o.provider;
  const alert = o.error ? `<p role="alert" id="error">${esc(o.error)}</p>` : "";
  return layout(
    `Sign in - ${name} (emulator)`,
    `<h1>Sign in with ${esc(name)}</h1>
<p>Emulated ${esc(name)} for Fedgate tests. Application: <code>${esc(o.clientId)}</code></p>
${alert}
<form method="post" action="${esc(o.action)}"${o.error ? ' aria-describedby="error"' : ""}>
<input type="hidden" name="tx" value="${esc(o.tx)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${esc(o.loginHint ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** Shown instead of a redirect when the client or redirect_uri cannot be trusted. */
export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p role="alert">${esc(message)}</p>`);
}
