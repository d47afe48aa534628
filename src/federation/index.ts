/**
 * The relying-party face's public surface: all that the authorization server (oauth/), the admin
 * API and the app may use of federation/. Everything else here is internal to the face.
 */
export { checkIssuer } from "./discovery";
export { callbackUrl } from "./upstream";
export { providerKind } from "./providers";
export { userinfoClaims } from "./remote-token";
export { judgeSubjectToken, SUBJECT_TOKEN_TYPES, SubjectTokenError, unverifiedJwt, type UpstreamSubject } from "./subject-token";
export { audiencesOf } from "./providers/provider";
export { callbackRoutes } from "./callback";
export { continueSignIn, signInRoutes } from "./routing";
export { checkDomainProof, type ProofCheck } from "./domain-proof-check";
export { recheckDnsProofs, type RecheckReport } from "./domain-recheck";
export { readTestSignIn, startTestSignIn, type TestSignInResult } from "./test-sign-in";
