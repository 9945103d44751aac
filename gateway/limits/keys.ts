import type { LimitRequest } from './types.ts';
import type { QuotaWindow } from './windows.ts';

/**
 * Store keys. Every key of one (application, product) carries the Redis Cluster hash tag
 * `{application|product}`, so the quota counter and the spike-arrest TAT that one script
 * touches always live in the same slot. Layout:
 *   <prefix>{<app>|<product>}:q:product:<unit><interval>:<window index>
 *   <prefix>{<app>|<product>}:q:op:<operation>:<unit><interval>:<window index>
 *   <prefix>{<app>|<product>}:spike
 * Unit and interval are part of the quota key so a changed policy starts a fresh count
 * instead of reinterpreting an old window index; a changed limit keeps the count.
 */
export interface LimitKeys {
  quota: string;
  spike: string;
}

const ESCAPED = /[%{}|:]/;
const ESCAPED_ALL = /[%{}|:]/g;

/** Braces would move the hash tag, `|` and `:` would make two ids share a key. Most ids have none of them: tested before replacing. */
export function escapePart(part: string): string {
  if (!ESCAPED.test(part)) return part;
  return part.replace(ESCAPED_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function limitKeys(prefix: string, request: LimitRequest, window: QuotaWindow | undefined): LimitKeys {
  const tag = `${prefix}{${escapePart(request.application)}|${escapePart(request.product)}}`;
  const scope = request.operation === undefined ? 'product' : `op:${escapePart(request.operation)}`;
  return {
    quota: `${tag}:q:${scope}:${window?.id ?? 'none'}`,
    spike: `${tag}:spike`,
  };
}
