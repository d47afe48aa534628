/**
 * Encryption of private material at rest (signing keys, provider secrets): JWE compact
 * serialisation, `dir` + `A256GCM`, keyed by FEDGATE_ENCRYPTION_KEY. Each ciphertext is bound to
 * what it protects (its `ctx` header, authenticated as AAD), so records cannot be swapped.
 * @see https://www.rfc-editor.org/rfc/rfc7516
 */
import { CompactEncrypt, compactDecrypt } from "jose";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Sealer {
  constructor(private readonly key: Uint8Array) {}

  /** Encrypts `plaintext` for `context` (e.g. "signing-key:<kid>"). */
  seal(plaintext: string, context: string): Promise<string> {
    return new CompactEncrypt(encoder.encode(plaintext))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", cty: "text/plain", ctx: context })
      .encrypt(this.key);
  }

  /** Decrypts a sealed value; throws if it was tampered with, sealed under another key or context. */
  async open(sealed: string, context: string): Promise<string> {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, this.key, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    if (protectedHeader["ctx"] !== context) throw new Error(`sealed value belongs to "${String(protectedHeader["ctx"])}", not "${context}"`);
    return decoder.decode(plaintext);
  }
}
