import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import schema from './schema.json' with { type: 'json' };
import type { Snapshot } from './types.ts';
import { snapshotVersion } from './version.ts';

export type SnapshotCheck = { ok: true; snapshot: Snapshot } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const checkSchema = ajv.compile(schema);

/**
 * Everything a gateway checks before it swaps a snapshot in: the JSON Schema,
 * the content hash, and that every reference inside it resolves. A snapshot
 * that fails is refused whole; the gateway keeps the one it has.
 */
export function validateSnapshot(candidate: unknown): SnapshotCheck {
  if (!checkSchema(candidate)) {
    const errors = (checkSchema.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues)})` : ''}`,
    );
    return { ok: false, errors };
  }
  const snapshot = candidate as unknown as Snapshot;
  const errors: string[] = [];
  const expected = snapshotVersion(snapshot);
  if (snapshot.version !== expected) errors.push(`/version ${snapshot.version} does not match the content (${expected})`);

  const ids = (label: string, items: Array<{ id: string }>): Set<string> => {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.id)) errors.push(`/${label} has ${item.id} twice`);
      seen.add(item.id);
    }
    return seen;
  };
  const apis = ids('apis', snapshot.apis);
  const products = ids('products', snapshot.products);
  const applications = ids('applications', snapshot.applications);
  // One id space for both lists: a subscription is active or not, never both.
  ids('subscriptions', [...snapshot.subscriptions, ...snapshot.inactiveSubscriptions]);

  const routeKeys = new Set<string>();
  snapshot.routes.forEach((r, i) => {
    const key = `${r.host} ${r.basePath}`;
    if (routeKeys.has(key)) errors.push(`/routes/${i} repeats host ${r.host} and base path ${r.basePath}`);
    routeKeys.add(key);
    if (!apis.has(r.api)) errors.push(`/routes/${i}/api ${r.api} is not in /apis`);
  });
  snapshot.products.forEach((p, i) =>
    p.operations.forEach((op, j) => {
      if (!apis.has(op.api)) errors.push(`/products/${i}/operations/${j}/api ${op.api} is not in /apis`);
    }),
  );
  snapshot.subscriptions.forEach((s, i) => {
    if (!applications.has(s.application)) errors.push(`/subscriptions/${i}/application ${s.application} is not in /applications`);
    if (!products.has(s.product)) errors.push(`/subscriptions/${i}/product ${s.product} is not in /products`);
  });
  snapshot.inactiveSubscriptions.forEach((s, i) => {
    if (!applications.has(s.application)) errors.push(`/inactiveSubscriptions/${i}/application ${s.application} is not in /applications`);
    if (!products.has(s.product)) errors.push(`/inactiveSubscriptions/${i}/product ${s.product} is not in /products`);
  });
  return errors.length ? { ok: false, errors } : { ok: true, snapshot };
}
