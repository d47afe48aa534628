/** URL rules shared by configuration, the admin API and the upstream calls. */

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Whether `url` names a loopback host: the only place plain http is allowed (local development). */
export const isLoopback = (url: URL): boolean => LOOPBACK_HOSTS.has(url.hostname);

/** Plain http on a loopback host: allowed for local development, and opted into explicitly for upstream calls. */
export const isLoopbackHttp = (url: URL): boolean => url.protocol === "http:" && isLoopback(url);

/** https anywhere, or http on a loopback host. */
export const isSecureOrLoopback = (url: URL): boolean => url.protocol === "https:" || isLoopbackHttp(url);
