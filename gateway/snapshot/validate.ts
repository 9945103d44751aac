import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import schema from './schema.json' with { type: 'json' };
import type { Snapshot } from './types.ts';
import { snapshotVersion } from './version.ts';

export type SnapshotCheck = { ok: true; snapshot: Snapshot } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
// `tsType` is read by the types generator only; it constrains nothing here.
ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' });
const checkSchema = ajv.compile(schema);

/** The API routed at one (host, base path) in any of `environments`, where `*` is every environment. */
function routedIn(byEnvironment: Map<string, string>, environments: string[]): string | undefined {
  if (byEnvironment.has('*')) return byEnvironment.get('*');
  if (environments[0] === '*') return byEnvironment.values().next().value;
  for (const e of environments) {
    const api = byEnvironment.get(e);
    if (api !== undefined) return api;
  }
  return undefined;
}

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

  snapshot.apis.forEach((a, i) => {
    if (!a.upstream.urls.length && !a.openapi?.mock) errors.push(`/apis/${i}/upstream/urls is empty, and the API is not mocked (openapi.mock)`);
  });

  const environmentsOf = new Map(snapshot.apis.map((a) => [a.id, a.environments]));
  // Per (host, base path): the environments already routed there; '*' when an API with none (every environment) is.
  const routed = new Map<string, Map<string, string>>();
  snapshot.routes.forEach((r, i) => {
    if (!apis.has(r.api)) {
      errors.push(`/routes/${i}/api ${r.api} is not in /apis`);
      return;
    }
    const key = `${r.host} ${r.basePath}`;
    let byEnvironment = routed.get(key);
    if (!byEnvironment) routed.set(key, (byEnvironment = new Map()));
    const environments = environmentsOf.get(r.api)!.length ? environmentsOf.get(r.api)! : ['*'];
    const clash = routedIn(byEnvironment, environments);
    if (clash !== undefined)
      errors.push(`/routes/${i} repeats host ${r.host} and base path ${r.basePath}: API ${clash} is routed there in an environment of ${r.api}`);
    for (const e of environments) byEnvironment.set(e, r.api);
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
