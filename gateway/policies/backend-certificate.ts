import { hash } from 'node:crypto';
import type { BackendAuth, Upstream } from '../snapshot/types.ts';
import type { SecretStore } from './secret-store.ts';

/** A client certificate the gateway presents to an API's https upstream; private, so never part of the snapshot. */
export interface ClientKeyPair {
  cert: string;
  key: string;
  /** Tells pools apart without putting the key in a map key or a log. */
  digest: string;
}

/** An upstream as the pool sees it: the snapshot's, plus the key pair its backendAuth names. */
export type UpstreamWithCertificate = Upstream & { clientCertificate?: ClientKeyPair };

/**
 * The upstream an API's pool connects with. With `backendAuth.clientCertificate` the Secret's
 * `tls.crt` and `tls.key` are read when the snapshot is applied (a rotated Secret is used
 * from the next snapshot applied); a missing one leaves `missing` set, and the API's
 * requests are refused with 503 rather than sent without it.
 */
export function upstreamFor(
  upstream: Upstream,
  auth: BackendAuth | undefined,
  secrets: SecretStore | undefined,
): { upstream: UpstreamWithCertificate; missing: boolean } {
  if (auth?.kind !== 'clientCertificate') return { upstream, missing: false };
  const cert = secrets?.text(auth.secret, 'tls.crt');
  const key = secrets?.text(auth.secret, 'tls.key');
  if (cert === undefined || key === undefined) return { upstream, missing: true };
  const digest = hash('sha256', cert + '\n' + key);
  return { upstream: { ...upstream, clientCertificate: { cert, key, digest } }, missing: false };
}
