/**
 * The claims a test sign-in received (federation/test-sign-in.ts), as both the console's result page
 * and the setup link's test step show them; `full` adds the username, hosted domain, groups and
 * the roles the provider's mappings would grant.
 */
export interface TestClaims {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  username?: string | null;
  hostedDomain?: string | null;
  groups?: string[];
  /** What the provider's role mappings would grant; absent in results stored before mappings. */
  roles?: string[];
}

export function ClaimsList({ claims, full = false, unverified = "no" }: { claims: TestClaims; full?: boolean; unverified?: string }) {
  return (
    <dl>
      <dt>Subject</dt>
      <dd>
        <code id="claim-subject">{claims.subject}</code>
      </dd>
      <dt>Email</dt>
      <dd id="claim-email">{claims.email ?? "none"}</dd>
      <dt>Email verified</dt>
      <dd id="claim-email-verified">{claims.emailVerified ? "yes" : unverified}</dd>
      <dt>Name</dt>
      <dd>{claims.name ?? "none"}</dd>
      {full ? (
        <>
          <dt>Username</dt>
          <dd>{claims.username ?? "none"}</dd>
          {claims.hostedDomain ? (
            <>
              <dt>Hosted domain</dt>
              <dd>{claims.hostedDomain}</dd>
            </>
          ) : null}
          <dt>Groups</dt>
          <dd>{claims.groups?.join(", ") || "none"}</dd>
          <dt>Roles the mappings grant</dt>
          <dd id="claim-roles">{claims.roles?.join(", ") || "none"}</dd>
        </>
      ) : null}
    </dl>
  );
}
