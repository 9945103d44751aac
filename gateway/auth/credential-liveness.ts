import { GatewayError } from '../errors/gateway-error.ts';
import type { Application } from '../snapshot/types.ts';
import type { CredentialEntry } from './credential-index.ts';

/** Why a caller cannot use what it presented, or `live`; checked in this order everywhere. */
export type Liveness = 'live' | 'revoked' | 'expired' | 'application-suspended' | 'owner-suspended';

/**
 * Whether a credential of ours (an API key, or the credential a built-in token
 * names) and its application may act at `now`. An external token has no
 * credential of ours, so only its application is checked.
 */
export function credentialLiveness(application: Application, entry: Pick<CredentialEntry, 'credential' | 'expiresAtMs'> | undefined, now: number): Liveness {
  if (entry?.credential.revoked) return 'revoked';
  if (entry && entry.expiresAtMs <= now) return 'expired';
  if (application.suspended === 'Owner') return 'owner-suspended';
  if (application.suspended) return 'application-suspended';
  return 'live';
}

/** The gateway's refusal for a caller that is not live; returns quietly for one that is. */
export function requireLive(application: Application, entry: Pick<CredentialEntry, 'credential' | 'expiresAtMs'> | undefined, now: number): void {
  switch (credentialLiveness(application, entry, now)) {
    case 'live':
      return;
    case 'revoked':
      throw new GatewayError('credentials-revoked');
    case 'expired':
      throw new GatewayError('credentials-expired');
    case 'owner-suspended':
      throw new GatewayError('application-suspended', 'the owner is suspended');
    case 'application-suspended':
      throw new GatewayError('application-suspended', 'the application is suspended');
  }
}
