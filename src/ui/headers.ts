/**
 * Security headers of every HTML page Fedgate renders: a CSP with no script at all, no framing, no
 * caching, no referrer.
 */

/**
 * The origins of `urls` (full URLs or origins), for `form-action`. An origin never contains `;`,
 * `,` or spaces, so nothing passed here can add a directive.
 */
function origins(urls: readonly string[]): string[] {
  return [...new Set(urls.map((url) => new URL(url).origin).filter((origin) => origin !== "null"))];
}

/**
 * Headers for a page. `formActions` lists where a form's submission may end up: Chromium applies
 * `form-action` to every redirect that follows a submission, so a form that posts to Fedgate and is
 * answered with a 303 to an upstream provider needs that provider's origin here, not only `'self'`.
 * Pages without forms pass nothing and get `form-action 'none'`.
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function pageHeaders(options: { forms: boolean; formActions?: readonly string[] }): Record<string, string> {
  const formAction = options.forms ? ["'self'", ...origins(options.formActions ?? [])].join(" ") : "'none'";
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
  };
}
