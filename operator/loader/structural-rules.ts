import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import type { CrdSchema } from '../resources/crd-schemas.ts';

/** A rule broken at a place in the data. */
export interface RuleFailure {
  path: Array<string | number>;
  code: 'RuleViolation' | 'DuplicateKey';
  message: string;
}

interface Rule {
  rule: string;
  message?: string;
  fieldPath?: string;
}

type Evaluator = (self: unknown) => unknown;
const env = celEnv();
const planned = new Map<string, Evaluator>();

function evaluator(rule: string): Evaluator {
  let fn = planned.get(rule);
  if (!fn) {
    const run = plan(env, parse(rule));
    fn = (self) => run({ self: self as never });
    planned.set(rule, fn);
  }
  return fn;
}

/** JSON data as CEL sees Kubernetes objects: objects are maps, integers are ints. */
function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** `.a.b` -> ['a', 'b'] */
function relativePath(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.split('.').filter(Boolean) : [];
}

/**
 * Walks the data along the schema and applies what JSON Schema cannot say:
 * `x-kubernetes-validations` CEL rules (evaluated with the same expressions the
 * API server runs; transition rules that read `oldSelf` only apply to updates
 * and are skipped here) and unique keys in `x-kubernetes-list-type: map` lists.
 */
export function checkStructuralRules(schema: CrdSchema, data: unknown, path: Array<string | number> = []): RuleFailure[] {
  const failures: RuleFailure[] = [];
  if (data === undefined || data === null) return failures;

  const rules = (schema['x-kubernetes-validations'] as Rule[] | undefined) ?? [];
  for (const r of rules) {
    if (/\boldSelf\b/.test(r.rule)) continue;
    const result = evaluator(r.rule)(toCel(data));
    if (result === true) continue;
    const message = isCelError(result) ? `rule could not be evaluated (${result.message}): ${r.rule}` : (r.message ?? `failed rule: ${r.rule}`);
    failures.push({ path: [...path, ...relativePath(r.fieldPath)], code: 'RuleViolation', message });
  }

  if (Array.isArray(data)) {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    if (schema['x-kubernetes-list-type'] === 'map' && keys) {
      const seen = new Map<string, number>();
      data.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
        const first = seen.get(key);
        if (first !== undefined) {
          failures.push({
            path: [...path, i],
            code: 'DuplicateKey',
            message: `duplicate entry for ${keys.map((k) => `${k}=${JSON.stringify((item as Record<string, unknown>)?.[k])}`).join(', ')} (first at index ${first})`,
          });
        } else seen.set(key, i);
      });
    }
    if (schema.items) data.forEach((item, i) => checkStructuralRules(schema.items!, item, [...path, i]).forEach((f) => failures.push(f)));
  } else if (typeof data === 'object' && schema.properties) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      for (const f of checkStructuralRules(sub, (data as Record<string, unknown>)[name], [...path, name])) failures.push(f);
    }
  }
  return failures;
}
