// The signing key Secret against a real kube-apiserver: the leader creates and
// rotates it, a follower only reads it, and a stale writer loses on resourceVersion.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../../test/control-plane/vitest-hooks.ts';
import { loadSigningKeys } from '../../gateway/tokens/signing-keys.ts';
import { SecretSigningKeys, SIGNING_KEYS_FIELD } from './secret-signing-keys.ts';
import { publicKeys, type RotationPolicy } from './signing-key-policy.ts';

const env = useControlPlane();
const hour = 3600_000;
const policy: RotationPolicy = { rotateAfterMs: 24 * hour, prePublishMs: hour, accessTokenTtlSeconds: 3600, toleranceMs: 60_000, alg: 'ES256' };
const t0 = Date.parse('2026-11-23T00:00:00Z');

function core(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(env.cp.kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
}

async function storedKids(namespace: string): Promise<string[]> {
  const secret = JSON.parse(await env.cp.kubectlOk(['get', 'secret', 'tollgate-signing-keys', '-n', namespace, '-o', 'json'])) as {
    data: Record<string, string>;
  };
  const ring = JSON.parse(Buffer.from(secret.data[SIGNING_KEYS_FIELD]!, 'base64').toString());
  return ring.keys.map((k: { kid: string }) => k.kid);
}

describe('the signing key Secret', () => {
  it('is created by the leader, read by a follower, and rotated with overlap', async () => {
    const namespace = env.namespace;
    const leader = new SecretSigningKeys(core(), { namespace, policy });
    const follower = new SecretSigningKeys(core(), { namespace, policy });

    expect(await follower.reconcile(new Date(t0), false)).toBe(false);
    expect(follower.current()).toBeUndefined();

    expect(await leader.reconcile(new Date(t0), true)).toBe(true);
    const [k1] = await storedKids(namespace);
    expect(await follower.reconcile(new Date(t0), false)).toBe(true);
    expect(publicKeys(follower.current()!).map((k) => k.kid)).toEqual([k1]);
    const loaded = loadSigningKeys(follower.current());
    expect(loaded.ok).toBe(true);

    // Nothing due: no write (the Secret's resourceVersion stays).
    const rv = async () =>
      JSON.parse(await env.cp.kubectlOk(['get', 'secret', 'tollgate-signing-keys', '-n', namespace, '-o', 'json'])).metadata.resourceVersion;
    const before = await rv();
    expect(await leader.reconcile(new Date(t0 + hour), true)).toBe(false);
    expect(await rv()).toBe(before);

    // Due: the successor is written next to the old key.
    await leader.reconcile(new Date(t0 + 23 * hour), true);
    expect(await storedKids(namespace)).toEqual([k1, expect.any(String)]);
    // And the old one is gone once its tokens have expired.
    await leader.reconcile(new Date(t0 + 26 * hour), true);
    expect(await storedKids(namespace)).toHaveLength(1);
    expect(await storedKids(namespace)).not.toContain(k1);
  });

  it('lets only one of two racing writers rotate', async () => {
    const namespace = env.namespace;
    const a = new SecretSigningKeys(core(), { namespace, policy });
    await a.reconcile(new Date(t0), true);
    const results = await Promise.allSettled([
      new SecretSigningKeys(core(), { namespace, policy }).reconcile(new Date(t0 + 23 * hour), true),
      new SecretSigningKeys(core(), { namespace, policy }).reconcile(new Date(t0 + 23 * hour), true),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    // Both read the same resourceVersion; the second replace is a 409 Conflict.
    expect(failed.map((r) => (r.reason as { code?: number }).code)).toEqual([409]);
    expect(await storedKids(namespace)).toHaveLength(2);
  });
});
