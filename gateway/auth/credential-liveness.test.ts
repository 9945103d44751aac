import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { application, TEST_KEY } from '../../test/gateway/fixtures.ts';
import { credentialLiveness, requireLive, type Liveness } from './credential-liveness.ts';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const app = (suspended?: 'Application' | 'Owner') => application(TEST_KEY, suspended ? { suspended } : {});
const entry = (revoked: boolean, expiresAtMs = Infinity) => ({ credential: { ...app().credentials[0]!, revoked }, expiresAtMs });

// One table for API keys, built-in tokens and the token endpoint (with a credential) and external tokens (without).
describe('credentialLiveness', () => {
  it.each<{ name: string; suspended?: 'Application' | 'Owner'; credential?: ReturnType<typeof entry>; want: Liveness; code?: string; detail?: string }>([
    { name: 'live credential', credential: entry(false), want: 'live' },
    { name: 'expires a millisecond from now', credential: entry(false, NOW + 1), want: 'live' },
    { name: 'expires now', credential: entry(false, NOW), want: 'expired', code: 'credentials-expired' },
    { name: 'expired', credential: entry(false, NOW - 1000), want: 'expired', code: 'credentials-expired' },
    { name: 'revoked', credential: entry(true), want: 'revoked', code: 'credentials-revoked' },
    { name: 'revoked before expired', credential: entry(true, NOW - 1000), want: 'revoked', code: 'credentials-revoked' },
    { name: 'expired before suspended', suspended: 'Application', credential: entry(false, NOW - 1000), want: 'expired', code: 'credentials-expired' },
    {
      name: 'application suspended',
      suspended: 'Application',
      credential: entry(false),
      want: 'application-suspended',
      code: 'application-suspended',
      detail: 'the application is suspended',
    },
    {
      name: 'owner suspended',
      suspended: 'Owner',
      credential: entry(false),
      want: 'owner-suspended',
      code: 'application-suspended',
      detail: 'the owner is suspended',
    },
    { name: 'external token, live application', want: 'live' },
    {
      name: 'external token, application suspended',
      suspended: 'Application',
      want: 'application-suspended',
      code: 'application-suspended',
      detail: 'the application is suspended',
    },
    { name: 'external token, owner suspended', suspended: 'Owner', want: 'owner-suspended', code: 'application-suspended', detail: 'the owner is suspended' },
  ])('$name', ({ suspended, credential, want, code, detail }) => {
    expect(credentialLiveness(app(suspended), credential, NOW)).toBe(want);
    let thrown: unknown;
    try {
      requireLive(app(suspended), credential, NOW);
    } catch (e) {
      thrown = e;
    }
    if (code === undefined) return expect(thrown).toBeUndefined();
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe(code);
    expect((thrown as GatewayError).detail).toBe(detail);
  });
});
