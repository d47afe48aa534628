/** Request parameters of the OAuth endpoints: each at most once (RFC 6749 §3.1, §3.2). */
import { OAuthError } from "../errors";
import { formText } from "../form";

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Whether the request declares a form body. */
export const isForm = (request: Request): boolean => FORM.test(request.headers.get("Content-Type") ?? "");

/** The first parameter that appears more than once, if any. */
export function repeatedParameter(params: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** The form body as a map; a repeated parameter or another content type is `invalid_request`. */
export async function formParameters(request: Request): Promise<URLSearchParams> {
  if (!isForm(request)) throw new OAuthError("invalid_request", "Send the request as application/x-www-form-urlencoded.");
  const params = new URLSearchParams(await formText(request));
  const repeated = repeatedParameter(params);
  if (repeated !== undefined) throw new OAuthError("invalid_request", `"${repeated}" is repeated.`);
  return params;
}
