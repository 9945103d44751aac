// The compiler sorts in pieces for speed; the orders must be those of one plain sort.
import { describe, expect, it } from 'vitest';
import { generateResources } from '../../bench/compile/generate.ts';
import { compile } from './compile.ts';
import { compareStrings } from './order.ts';

describe('compile output order', () => {
  it.each([0.003, 0.02])('statuses at scale %s are in kind, namespace, name order', (scale) => {
    const resources = generateResources(scale);
    // Reversed input, so no list arrives already in order.
    for (const list of Object.values(resources) as unknown[][]) list.reverse();
    const { statuses } = compile(resources, { now: new Date('2026-01-01T00:00:00Z') });
    const expected = [...statuses].sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
    expect(statuses.length).toBe(resources.apis.length + resources.products.length + resources.applications.length + resources.subscriptions.length);
    expect(statuses.map((s) => `${s.kind}/${s.namespace}/${s.name}`)).toEqual(expected.map((s) => `${s.kind}/${s.namespace}/${s.name}`));
  });

  it.each([0.003, 0.02])('active subscriptions at scale %s: by application id, each application oldest first', (scale) => {
    const resources = generateResources(scale);
    for (const list of Object.values(resources) as unknown[][]) list.reverse();
    const { snapshot } = compile(resources, { now: new Date('2026-01-01T00:00:00Z') });
    const byId = new Map(resources.subscriptions.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r.metadata]));
    const age = (id: string) => {
      const m = byId.get(id)!;
      return [Date.parse(m.creationTimestamp!), m.namespace, m.name] as const;
    };
    const expected = [...snapshot.subscriptions].sort((a, b) => {
      const [ta, na, ma] = age(a.id);
      const [tb, nb, mb] = age(b.id);
      return compareStrings(a.application, b.application) || ta - tb || compareStrings(na, nb) || compareStrings(ma, mb);
    });
    expect(snapshot.subscriptions.length).toBeGreaterThan(100);
    expect(new Set(snapshot.subscriptions.map((s) => s.application)).size).toBeLessThan(snapshot.subscriptions.length);
    expect(snapshot.subscriptions.map((s) => s.id)).toEqual(expected.map((s) => s.id));
  });
});
