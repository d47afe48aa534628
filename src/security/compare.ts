/** Constant-time comparison of secrets (SECURITY.md AS-7). */
const encoder = new TextEncoder();

/**
 * True if `given` equals `expected`, in time independent of where they differ. Both are hashed
 * first so lengths leak nothing and `timingSafeEqual` gets equal-length inputs.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
