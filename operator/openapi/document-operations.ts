import type { PathMatch } from '../../gateway/snapshot/types.ts';
import type { OpenApiDocument } from './openapi-load.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type Json = Record<string, unknown>;

/** One path and method the document describes. */
export interface DocumentOperation {
  /** The path template as the document writes it, `/pets/{petId}`. */
  path: string;
  /** Upper-case. */
  method: string;
  operationId?: string;
  match: PathMatch;
  /** Full-segment templates: which segment after the base path carries which parameter. */
  pathParams: Array<{ segment: number; name: string }>;
  operation: Json;
  pathItem: Json;
}

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `/pets/{petId}` as the gateway matches it: a `{param}` segment (or one that only
 * partly is, `{name}.json`) takes any one segment; `/` is the base path alone.
 */
export function templateMatch(path: string): { match: PathMatch; pathParams: DocumentOperation['pathParams'] } | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const pathParams: DocumentOperation['pathParams'] = [];
  const segments: string[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === '' || part === '.' || part === '..') return undefined;
    const whole = /^\{([^{}/]+)\}$/.exec(part);
    if (whole) pathParams.push({ segment: i, name: whole[1]! });
    segments.push(part.includes('{') ? '*' : part);
  }
  return { match: { pattern: path, segments, rest: 'none' }, pathParams };
}

/** Every operation of the document, by path then method, in document order; paths the gateway cannot match are returned apart. */
export function documentOperations(doc: OpenApiDocument): { operations: DocumentOperation[]; unmatchable: string[] } {
  const operations: DocumentOperation[] = [];
  const unmatchable: string[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isObject(pathItem)) continue;
    const template = templateMatch(path);
    if (!template) {
      unmatchable.push(path);
      continue;
    }
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      operations.push({
        path,
        method: method.toUpperCase(),
        ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
        match: template.match,
        pathParams: template.pathParams,
        operation,
        pathItem,
      });
    }
  }
  return { operations, unmatchable };
}

/**
 * Most specific first: at the first segment where two differ, a literal before a
 * template; so `/pets/mine` is tried before `/pets/{id}`. Shorter paths first; ties keep document order.
 */
export function bySpecificity<T extends { match: PathMatch }>(items: T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const x = a.item.match.segments;
      const y = b.item.match.segments;
      // Only paths of one length can match the same request; ordering by length first keeps the order total.
      if (x.length !== y.length) return x.length - y.length;
      for (let k = 0; k < x.length; k++) {
        const wx = x[k] === '*';
        const wy = y[k] === '*';
        if (wx !== wy) return wx ? 1 : -1;
      }
      return a.i - b.i;
    })
    .map((e) => e.item);
}
