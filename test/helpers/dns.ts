/** The emulators' DNS-over-HTTPS resolver (idp-fixtures/src/dns.ts): the TXT records and failures tests set. */
import { env } from "cloudflare:workers";

/** What `POST /__control/dns` takes: a name's TXT records (`null`: the name is gone) and its failure switch. */
export interface DnsControl {
  name?: string;
  txt?: (string | string[])[] | null;
  fail?: { status: number } | "servfail" | "malformed" | "hang" | null;
}

/** Sets records or switches at the emulated resolver. */
export async function dnsControl(control: DnsControl): Promise<void> {
  const response = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/dns`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(control),
  });
  if (!response.ok) throw new Error(`DNS emulator control failed: ${response.status} ${await response.text()}`);
}

/** Publishes (or with `null` removes) the TXT records of `name`. */
export const publishTxt = (name: string, txt: (string | string[])[] | null) => dnsControl({ name, txt });
