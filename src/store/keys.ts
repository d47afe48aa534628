/**
 * Every store key Fedgate writes is built here, and only here. The README's "Storage" section
 * lists each prefix with its value shape and TTL; keep the two in step.
 *
 * `{tag}` is the key's partition (see store.ts): records written together share one.
 */
import { fnv1a } from "../encoding";

/** Fedgate's own signing keys (tokens/signing-keys.ts): one record, rotated with compare-and-set. */
export const signingKeySet = (): string => "{fedgate}signing-keys";

// Platform-wide records live in the `{fedgate}` partition.
/** A project: `Project`. */
export const project = (projectId: string): string => `{fedgate}project:${projectId}`;
export const projectsPrefix = (): string => "{fedgate}project:";
/** Which projects map an email domain, and where it is verified: `DomainClaim`. */
export const domainClaim = (domain: string): string => `{fedgate}domain-claim:${domain}`;
/**
 * That a project's claim of a domain is verified by DNS (registry/domains.ts): `DnsProofEntry`, for the
 * cron trigger's re-check, which scans them all in this one partition.
 */
export const dnsProof = (domain: string, projectId: string): string => `{fedgate}domain-dns:${domain}:${projectId}`;
export const dnsProofsPrefix = (): string => "{fedgate}domain-dns:";
/** Where the DNS re-check stopped (federation/domain-recheck.ts): `{ after: <dnsProof key> | null, at }`. */
export const dnsRecheckCursor = (): string => "{fedgate}domain-dns-recheck";

// Everything of one project lives in its own partition, `{p:<projectId>}`.
const inProject = (projectId: string, rest: string): string => `{p:${projectId}}${rest}`;
/** A client application: `Client`. */
export const client = (projectId: string, clientId: string): string => inProject(projectId, `client:${clientId}`);
export const clientsPrefix = (projectId: string): string => inProject(projectId, "client:");
/** An upstream identity provider: `Provider` (client secret sealed). */
export const provider = (projectId: string, providerId: string): string => inProject(projectId, `provider:${providerId}`);
export const providersPrefix = (projectId: string): string => inProject(projectId, "provider:");
/** An email domain mapped to a provider: `DomainMapping`. */
export const domainMapping = (projectId: string, domain: string): string => inProject(projectId, `domain:${domain}`);
export const domainMappingsPrefix = (projectId: string): string => inProject(projectId, "domain:");
/** The DNS TXT challenge a project was issued for a domain (registry/domain-proofs.ts): `DomainChallenge`. */
export const domainChallenge = (projectId: string, domain: string): string => inProject(projectId, `domain-challenge:${domain}`);
/** A project-scoped admin API key: `ApiKey` (secret as HMAC). */
/** A project's index entry for one of its setup links (registry/setup-links.ts): `SetupLinkEntry`, as long as the link's record. */
export const setupLinkEntry = (projectId: string, linkId: string): string => inProject(projectId, `setup-link:${linkId}`);
export const setupLinkEntriesPrefix = (projectId: string): string => inProject(projectId, "setup-link:");
export const apiKey = (projectId: string, keyId: string): string => inProject(projectId, `api-key:${keyId}`);
export const apiKeysPrefix = (projectId: string): string => inProject(projectId, "api-key:");
// The audit log (security/audit-log.ts): one list per project and hour, each its own partition, so no
// object receives every event of a tenant; the project's partition notes which hours have events.
/** A project's audit events of one hour (`hour` = ⌊epoch ms / 3,600,000⌋): a list of `AuditEvent`, by event id. */
export const auditHour = (projectId: string, hour: number): string => `{a:${projectId}:${hour}}audit`;
/**
 * That the project has audit events in `hour`: `{ hour }`. Keyed by 9,999,999 − hour, zero-padded, so
 * a scan (key order) meets the newest hour first.
 */
export const auditHourEntry = (projectId: string, hour: number): string =>
  inProject(projectId, `audit-hour:${String(9_999_999 - hour).padStart(7, "0")}`);
export const auditHoursPrefix = (projectId: string): string => inProject(projectId, "audit-hour:");

// Users and their indexes are spread by a hash over USER_PARTITIONS partitions per kind, shared by
// every project (the key names the project), not kept in the project's partition: no tenant has one
// hot object, and a small tenant does not keep hundreds of near-empty objects cold (README "Storage").
/** How many partitions users (and each of their index kinds) are spread over. Fixed: changing it moves every key. */
export const USER_PARTITIONS = 64;
const bucketOf = (projectId: string, text: string): number => fnv1a(`${projectId}:${text}`) % USER_PARTITIONS;
/** A platform user: `User`, in `{u:<bucket of project + userId>}`. */
export const user = (projectId: string, userId: string): string => `{u:${bucketOf(projectId, userId)}}user:${projectId}:${userId}`;
/** A project's users in one user partition (0 ≤ bucket < USER_PARTITIONS), for scans. */
export const usersPrefix = (projectId: string, bucket: number): string => `{u:${bucket}}user:${projectId}:`;
/**
 * A broker session (sessions/records.ts): `BrokerSession`, in its user's partition (read with the user in
 * one round trip; a user's sessions are one scan), until its idle or absolute end, whichever is first.
 */
export const brokerSession = (projectId: string, userId: string, sessionId: string): string =>
  `{u:${bucketOf(projectId, userId)}}session:${projectId}:${userId}:${sessionId}`;
export const brokerSessionsPrefix = (projectId: string, userId: string): string => `{u:${bucketOf(projectId, userId)}}session:${projectId}:${userId}:`;
/** A verified email's claim: `UserClaim` naming the user that holds it, in `{ue:<bucket of project + email>}`. */
export const userByEmail = (projectId: string, email: string): string => `{ue:${bucketOf(projectId, email)}}user-email:${projectId}:${email}`;
/** An external identity's claim: `UserClaim`, in `{ux:<bucket of project + provider + subject>}`. */
export const userByExternalId = (projectId: string, providerId: string, subject: string): string => {
  const id = `${providerId}:${encodeURIComponent(subject)}`;
  return `{ux:${bucketOf(projectId, id)}}user-ext:${projectId}:${id}`;
};

// The browser origins clients registered (registry/origins.ts), one partition per origin, so a CORS
// preflight (which names no client) is one scan of one small partition.
/** That a client registered this origin: `{ projectId, clientId }`, no TTL; written and removed by the admin client routes. */
export const originClient = (origin: string, clientId: string): string => `{origin:${origin}}client:${clientId}`;
export const originClientsPrefix = (origin: string): string => `{origin:${origin}}client:`;

// Short-lived grant state, spread over shards by key (no partition).
/**
 * What a redeemed code issued (refresh generation, newest access token): `GrantRecord`, until its
 * expiry. Codes themselves are sealed, not stored (oauth/codes.ts): writing this, if absent, is a code's single use.
 */
export const grant = (grantId: string): string => `grant:${grantId}`;
/** A validated downstream authorization request waiting for sign-in: `PendingAuthorization`, 10 min. */
export const pendingAuthorization = (requestId: string): string => `authorization-request:${requestId}`;
/** An upstream login in flight, by its `state`: `UpstreamTransaction`, 10 min, taken once (RP-1). */
export const upstreamTransaction = (state: string): string => `upstream-tx:${state}`;
/** A self-service SSO setup link, by the SHA-256 of its token: `SetupLink`, until 30 days after it expires (registry/setup-links.ts). */
export const setupLink = (tokenHash: string): string => `setup-link:${tokenHash}`;
/** A console test sign-in's outcome, by its random id: `TestSignInResult`, 10 min (federation/test-sign-in.ts). */
export const providerTest = (testId: string): string => `provider-test:${testId}`;
/**
 * A revoked access token, by its `jti`: `{ clientId, at }`, until the token's `exp`. The jti is stored
 * as is: unlike a code it is no credential (it names a token, it cannot stand in for one).
 */
export const revokedAccessToken = (jti: string): string => `at-revoked:${jti}`;
/**
 * A used `private_key_jwt` client assertion (oauth/client-auth.ts), by client and the SHA-256 of its
 * `jti`: `{ at }`, until the assertion's `exp`, written if absent (single use).
 */
export const clientAssertion = (clientId: string, jtiHash: string): string => `client-assertion:${clientId}:${jtiHash}`;
/**
 * What an upstream provider said about an opaque subject token (token exchange), by project and the
 * SHA-256 of the token, never the token: `ExchangeVerdict`, up to 60 s when accepted, 30 s when refused.
 */
export const exchangeVerdict = (projectId: string, tokenHash: string): string => `exchange-verdict:${projectId}:${tokenHash}`;
/**
 * An upstream ID token already exchanged (SECURITY.md RP-9), by provider and the SHA-256 of its `jti`
 * (of the token itself when it has none): `{ at }`, until the token's `exp`, written if absent.
 */
export const usedSubjectToken = (projectId: string, providerId: string, idHash: string): string =>
  `subject-token:${projectId}:${providerId}:${idHash}`;
/**
 * An admin console session (src/console/session.ts), by the SHA-256 of its cookie's value, never the
 * value: `ConsoleSession`, until its idle or absolute timeout, whichever comes first.
 */
export const consoleSession = (idHash: string): string => `console-session:${idHash}`;
/** A rate-limit window (security/rate-limit.ts): the store's fixed-window counter, per limit and bucket. */
export const rateWindow = (name: string, bucket: string): string => `rate:${name}:${bucket}`;
