/** Parsing the deployment settings in tests: a minimal valid env, and what `parseConfig` refuses of one. */
import { ConfigError, parseConfig } from "../../src/config";

/** The least an env must set (ISSUER, FEDGATE_ENCRYPTION_KEY, ADMIN_BOOTSTRAP_TOKEN). */
export const VALID_ENV = {
  ISSUER: "https://id.example.com",
  FEDGATE_ENCRYPTION_KEY: "mE7H_sYJYOPmR3ruMHZco8DBQPFlKJr5rviHPmKC6z4",
  ADMIN_BOOTSTRAP_TOKEN: "a-very-long-bootstrap-token-1234567890",
};

/** The problems `parseConfig` lists for `env`; none when it parses. */
export function problemsOf(env: Record<string, unknown>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
