import type { LimitDecision, LimitRequest } from '../limits/types.ts';
import type { NamedLimit, Quota } from '../snapshot/types.ts';

/**
 * Limits beyond a subscription's (WSO2's application and API tiers), counted by the same
 * store as quotas and spike arrest: each is one `LimitRequest` whose (application, product)
 * pair is a scope no real id can take (ids are `namespace/name`, these start with `@`),
 * so a Redis store counts it in one atomic script, exactly, across every replica.
 *   application tier: (@application:<app>, @all)
 *   an API limit across all consumers: (@api:<api>, <limit name>)
 *   an API limit per key value: (@api:<api>|<kind>:<value>, <limit name>)
 */
export interface ScopedLimit {
  /** Names the limit in the RateLimit headers: `application`, or the API limit's name. */
  policy: string;
  request: LimitRequest;
}

export function applicationLimit(application: string, quota: Quota, failureMode: 'open' | 'closed'): ScopedLimit {
  return { policy: 'application', request: { application: `@application:${application}`, product: '@all', quota, failureMode } };
}

/** The request's claim on one API limit; undefined when the limit is keyed and the request has no such value (it is not counted). */
export function apiLimit(apiId: string, limit: NamedLimit, keyValue: string | undefined, failureMode: 'open' | 'closed'): ScopedLimit | undefined {
  if (limit.key && (keyValue === undefined || keyValue === '')) return undefined;
  const scope = limit.key ? `@api:${apiId}|${limit.key.kind}:${keyValue}` : `@api:${apiId}`;
  const request: LimitRequest = { application: scope, product: limit.name, failureMode };
  if (limit.quota) request.quota = limit.quota;
  if (limit.rateLimit) request.rateLimit = limit.rateLimit;
  return { policy: limit.name, request };
}

/**
 * A store's headers with its policy names (`quota`, `spike`) prefixed by the limit's, so
 * a client sees which limit applied: `"application-quota";q=1000;w=86400`.
 */
export function namedHeaders(decision: LimitDecision, policy: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in decision.headers) {
    const value = decision.headers[name]!;
    out[name] = name === 'Retry-After' ? value : value.replace(/"(quota|spike)"/g, `"${policy}-$1"`);
  }
  return out;
}

/** Joins RateLimit header lists from several limits; `Retry-After` is the longest wait. */
export function mergeLimitHeaders(into: Record<string, string>, more: Record<string, string>): Record<string, string> {
  const out = { ...into };
  for (const name in more) {
    const value = more[name]!;
    const current = out[name];
    if (current === undefined) out[name] = value;
    else if (name === 'Retry-After') out[name] = String(Math.max(Number(current), Number(value)));
    else out[name] = `${current}, ${value}`;
  }
  return out;
}
