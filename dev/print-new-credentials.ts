import type { Snapshot } from '../gateway/snapshot/types.ts';
import type { IssuedCredential } from './dev-credential-store.ts';
import { exampleCurls } from './example-curl.ts';

/** Enough to copy from; a first start on a large estate issues thousands, which no one reads and which cost seconds to print. */
export const MAX_PRINTED_CREDENTIALS = 10;

/** Prints the first new credentials once each, with a curl and a token request, and how to see the rest. */
export function printNewCredentials(
  issued: IssuedCredential[],
  o: { snapshot: Snapshot; proxyUrl: string; credentialsFile: string; print: (line: string) => void; limit?: number },
): void {
  if (!issued.length) return;
  const limit = o.limit ?? MAX_PRINTED_CREDENTIALS;
  const curl = exampleCurls(o.snapshot, o.proxyUrl);
  for (const c of issued.slice(0, limit)) {
    o.print(`new credential ${c.name} for Application ${c.application} (shown once; kept in ${o.credentialsFile}):`);
    o.print(`  consumer key:    ${c.consumerKey}`);
    o.print(`  consumer secret: ${c.consumerSecret}`);
    const example = curl(c.application, c.consumerKey);
    if (example) o.print(`  try: ${example}`);
    o.print(`  token: curl -u '${c.consumerKey}:${c.consumerSecret}' -d grant_type=client_credentials ${o.proxyUrl}/oauth2/token`);
  }
  if (issued.length > limit) {
    o.print(`${issued.length - limit} more new credential(s) not shown; see one with: tollgate credentials show <namespace/application> <credential> --reveal`);
  }
}
