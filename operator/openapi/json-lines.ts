/** `a/b` and `~` escaped as a JSON pointer segment. */
export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** `/paths/~1pets/get` -> `['paths', '/pets', 'get']`, with array indices as numbers. */
export function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/**
 * For each line of `JSON.stringify(value, null, 2)`, the JSON pointer of the
 * value that line starts (a closing bracket belongs to its container): how a
 * message about line N of the printed document finds the field it is about.
 */
export function jsonLinePointers(value: unknown): string[] {
  const lines: string[] = [''];
  const seen = new Set<object>();
  const walk = (v: unknown, pointer: string): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function');
    if (!entries.length) return;
    seen.add(v);
    for (const [key, child] of entries) {
      const at = `${pointer}/${escapePointer(key)}`;
      lines.push(at);
      walk(child, at);
    }
    seen.delete(v);
    lines.push(pointer);
  };
  walk(value, '');
  return lines;
}

/** A pointer's segments as a path into `value`: indices as numbers where the node is a list, keys as strings elsewhere (`/200` of a map is the key "200"). */
export function pointerPath(value: unknown, pointer: string): Array<string | number> {
  const path: Array<string | number> = [];
  let node: unknown = value;
  for (const segment of pointerSegments(pointer).map(String)) {
    const index = Array.isArray(node) ? Number(segment) : undefined;
    path.push(index ?? segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[index ?? segment] : undefined;
  }
  return path;
}
