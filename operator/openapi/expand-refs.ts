import { isObject } from './document-operations.ts';
import { pointerSegments } from './json-lines.ts';

/** Nodes one document may expand to: a small document of references to references can otherwise grow exponentially. */
const MAX_NODES = 500_000;

function lookup(root: unknown, ref: string): unknown {
  let node: unknown = root;
  for (const segment of pointerSegments(decodeURIComponent(ref.slice(1)))) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/**
 * A bundled document (internal `$ref`s only) with every reference replaced by
 * what it points at, except one that would enter itself again: that stays a
 * `$ref` (valid in the document, whose components are kept), so the result is a
 * finite tree. Each use of a schema gets its own copy, expanded as far as it can
 * be without a cycle: the places a cycle starts from are expanded too, unlike a
 * resolver that keeps every circular reference as it found it.
 */
export function expandRefs(root: Record<string, unknown>): Record<string, unknown> {
  let nodes = 0;
  const walk = (node: unknown, entered: readonly string[]): unknown => {
    if (++nodes > MAX_NODES) throw new Error(`the document expands to more than ${MAX_NODES} nodes once its $refs are resolved`);
    if (Array.isArray(node)) return node.map((n) => walk(n, entered));
    if (!isObject(node)) return node;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#')) {
      if (entered.includes(ref)) return node;
      const target = lookup(root, ref);
      if (target === undefined) throw new Error(`$ref ${ref} points at nothing`);
      const { $ref: _, ...siblings } = node;
      const expanded = walk(target, [...entered, ref]);
      // 3.1: a summary or description beside a $ref overrides the target's.
      return isObject(expanded) && Object.keys(siblings).length ? { ...expanded, ...(walk(siblings, entered) as object) } : expanded;
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = walk(value, entered);
    return out;
  };
  return walk(root, []) as Record<string, unknown>;
}
