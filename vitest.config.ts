import { defineConfig } from 'vitest/config';
import { testNeeds } from './test/structure/source-imports.ts';

// Four projects drawn from what each test imports: `unit` needs nothing beyond Node
// (`make unit`), `redis` starts redis-server, `usage` PostgreSQL or Prometheus,
// `cluster` the kube-apiserver. `make test` runs them all.
const needs = testNeeds();
const files = (pick: (n: Set<string>) => boolean) => [...needs].filter(([, n]) => pick(n)).map(([f]) => f);
const shared = { testTimeout: 30_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: files((n) => n.size === 0) } },
      { test: { ...shared, name: 'redis', include: files((n) => n.has('redis') && !n.has('cluster')) } },
      { test: { ...shared, name: 'usage', include: files((n) => (n.has('postgres') || n.has('prometheus')) && !n.has('redis') && !n.has('cluster')) } },
      { test: { ...shared, name: 'cluster', include: files((n) => n.has('cluster')) } },
    ],
  },
});
