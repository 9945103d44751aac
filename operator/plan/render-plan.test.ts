import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.ts';
import { loadPaths } from '../loader/load.ts';
import { buildPlan } from './build-plan.ts';
import { renderPlan } from './render-plan.ts';

// The plan says, per subscribed product, whether the application's API keys get in
// or only its access tokens do, so a reviewer sees the API key path.
const dir = mkdtempSync(join(tmpdir(), 'tollgate-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const product = (name: string, extra: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: ${name}, namespace: shop }
spec:
${extra}
  operations: [{ api: orders }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app-${name}, namespace: shop }
spec: { application: app, product: { name: ${name} } }
`;

writeFileSync(
  join(dir, 'shop.yaml'),
  `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orders, namespace: shop }
spec: { context: /orders, version: v1, upstream: { urls: ["http://127.0.0.1:9"] } }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: app, namespace: shop }
spec: { owner: { email: a@shop.example } }
---
${product('scoped', '  scopes: [orders:read]')}
---
${product('scoped-keys', '  scopes: [orders:read]\n  apiKeys: Allowed')}
---
${product('open', '  displayName: Open')}
---
${product('tokens-only', '  apiKeys: Refused')}
`,
);

const rows = [
  { product: 'shop/scoped', apiKeys: 'Refused', text: '-> shop/scoped [Active] API keys refused (tokens only, scopes orders:read) via shop/app-scoped' },
  { product: 'shop/scoped-keys', apiKeys: 'Allowed', text: '-> shop/scoped-keys [Active] API keys allowed via shop/app-scoped-keys' },
  { product: 'shop/open', apiKeys: 'Allowed', text: '-> shop/open [Active] API keys allowed via shop/app-open' },
  { product: 'shop/tokens-only', apiKeys: 'Refused', text: '-> shop/tokens-only [Active] API keys refused (tokens only) via shop/app-tokens-only' },
];

describe('tollgate plan: API keys per product', () => {
  const loaded = loadPaths([dir]);
  const plan = buildPlan(loaded.resources, compile(loaded.resources, { now: new Date('2026-01-01T00:00:00Z') }));
  const text = renderPlan(plan);

  it.each(rows)('$product: $apiKeys', (row) => {
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const sub = plan.access[0]!.subscriptions.find((s) => s.product === row.product);
    expect(sub?.apiKeys).toBe(row.apiKeys);
    expect(text).toContain(row.text);
  });
});
