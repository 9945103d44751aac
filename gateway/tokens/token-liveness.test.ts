import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import { basicSnapshot, keyHash, send, startGateway, TEST_KEY } from '../../test/gateway/fixtures.ts';
import { gatewayTokens, newSigningKey, setSigningKey } from '../../test/gateway/token-signing.ts';

// The token endpoint refuses a client that authenticates but may not act, in OAuth terms.
const SECRET = 'test-secret-0123456789abcdef';
const NOW = Date.parse('2026-06-15T12:00:00Z');
const { jwk, pub } = newSigningKey();
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(undefined, { clock: () => NOW });
  setSigningKey(gw, jwk);
});
afterAll(() => gw.close());

describe('token endpoint: credential liveness', () => {
  it.each<{ name: string; change: (b: SnapshotBody) => void; basic?: boolean; status: number; error?: string; description?: string; challenge?: boolean }>([
    { name: 'live', change: () => {}, status: 200 },
    {
      name: 'revoked',
      change: (b) => (b.applications[0]!.credentials[0]!.revoked = true),
      status: 401,
      error: 'invalid_client',
      description: 'the credential has been revoked',
    },
    {
      name: 'revoked, with Basic',
      change: (b) => (b.applications[0]!.credentials[0]!.revoked = true),
      basic: true,
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    {
      name: 'expired',
      change: (b) => (b.applications[0]!.credentials[0]!.expiresAt = '2026-06-15T11:59:59Z'),
      status: 401,
      error: 'invalid_client',
      description: 'the credential has expired',
    },
    {
      name: 'application suspended',
      change: (b) => (b.applications[0]!.suspended = 'Application'),
      status: 400,
      error: 'unauthorized_client',
      description: 'the application is suspended',
    },
    {
      name: 'owner suspended',
      change: (b) => (b.applications[0]!.suspended = 'Owner'),
      basic: true,
      status: 400,
      error: 'unauthorized_client',
      description: 'the owner is suspended',
      challenge: false,
    },
  ])('$name', async ({ change, basic, status, error, description, challenge }) => {
    const applied = gw.applySnapshot(
      basicSnapshot('http://127.0.0.1:1', (b) => {
        b.tokens = gatewayTokens(pub);
        b.applications[0]!.credentials[0]!.secretHash = keyHash(SECRET);
        change(b);
      }),
    );
    if (!applied.ok) throw new Error(applied.errors.join('; '));
    const form: Record<string, string> = { grant_type: 'client_credentials', ...(basic ? {} : { client_id: TEST_KEY, client_secret: SECRET }) };
    const res = await send(gw.proxyPort, '/oauth2/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(`${TEST_KEY}:${SECRET}`).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    expect(res.status).toBe(status);
    if (error !== undefined) expect(res.json().error).toBe(error);
    if (description !== undefined) expect(res.json().error_description).toBe(description);
    if (challenge !== undefined) expect(res.headers['www-authenticate'] !== undefined).toBe(challenge);
  });
});
