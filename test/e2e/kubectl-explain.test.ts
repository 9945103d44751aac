// `kubectl explain` on Tollgate's kinds, through the real API server's published
// OpenAPI: the CRD descriptions are what a user reads there.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';

const env = useControlPlane();
const plurals = ['apis', 'apiproducts', 'applications', 'subscriptions'];

// A CRD is Established before the API server's OpenAPI v3 document carries it in a form
// kubectl explain can use (published a moment later), so wait for explain itself, bounded.
beforeAll(async () => {
  const deadline = Date.now() + 30_000;
  for (const plural of plurals) {
    for (;;) {
      const r = await env.cp.kubectl(['explain', plural]);
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`kubectl explain ${plural} still failing after 30 s: ${r.stderr}`);
      await sleep(250);
    }
  }
}, 40_000);

describe('kubectl explain', () => {
  it.each([
    { field: 'apis', want: ['KIND:', 'API', 'one version of a backend HTTP API', 'spec', 'status'] },
    { field: 'apis.spec.upstream.timeout', want: ['FIELD: timeout <string>', 'Longest wait for the response to start', '30s'] },
    { field: 'apis.spec.policies.limits.key.claim', want: ['FIELD: claim <string>', "Count per value of this claim of the caller's JWT."] },
    { field: 'apis.spec.auth.jwt.algorithms', want: ['FIELD: algorithms <[]string>', 'pinned'] },
    { field: 'apiproducts.spec.plans.quota.timeUnit', want: ['FIELD: timeUnit <string>', 'weeks start on Monday, months on the 1st'] },
    { field: 'apiproducts.status.conditions.reason', want: ['FIELD: reason <string>', 'RefNotFound'] },
    { field: 'applications.status.credentials.state', want: ['FIELD: state <string>', 'Pending: no Secret yet'] },
    { field: 'subscriptions.status.usage.window.start', want: ['FIELD: start <string>', 'Inclusive.'] },
  ])('explains $field', async ({ field, want }) => {
    const out = await env.cp.kubectlOk(['explain', field]);
    for (const w of want) expect(out).toContain(w);
    expect(out).not.toMatch(/<empty>/);
  });

  it('describes every field of a kind, recursively', async () => {
    const out = await env.cp.kubectlOk(['explain', 'subscriptions', '--recursive']);
    expect(out).toContain('approvals');
    // The recursive view lists names and types only; the flat view of a leaf shows its text.
    const leaf = await env.cp.kubectlOk(['explain', 'subscriptions.spec.approval.by']);
    expect(leaf).toContain('Who decided');
  });
});
