import { matchesPath } from '../router/path-match.ts';
import type { CachedResponse } from '../policies/response-cache.ts';
import type { CacheRule } from '../snapshot/types.ts';
import type { RequestContext } from './request-context.ts';

/**
 * The API's response cache (gateway/POLICIES.md), for GET and HEAD after every check
 * has passed (a hit is still authenticated, authorised and counted): a hit is answered
 * from memory, a miss is forwarded with an observer that keeps the answer if it may be kept.
 * `Cache-Status` (RFC 9211) says which. Nothing to do for an API without cache rules.
 */
export function responseCacheStep(ctx: RequestContext): void {
  const rules = ctx.api!.policies?.responseCache;
  if (rules === undefined || ctx.websocket) return;
  const method = ctx.req.method;
  if (method !== 'GET' && method !== 'HEAD') return;
  const rule = rules.find((r) => matchesPath(r.match, ctx.segments, ctx.from));
  if (!rule) return;
  const cache = ctx.services.policies.cache;
  const control = `${ctx.req.headers['cache-control'] ?? ''} ${ctx.req.headers.pragma ?? ''}`.toLowerCase();
  const key = cacheKey(ctx, rule);
  if (/no-cache|no-store/.test(control)) {
    cache.count('bypass');
    ctx.responseHeaders = { ...ctx.responseHeaders, 'cache-status': 'tollgate; fwd=bypass' };
    if (!control.includes('no-store') && method === 'GET')
      ctx.observeResponse(cache.observer(key, rule.ttlSeconds * 1000, rule.perApplication, ctx.services.now));
    return;
  }
  const hit = cache.get(key, ctx.now);
  if (hit) {
    cache.count('hit');
    answer(ctx, hit);
    return;
  }
  cache.count('miss');
  ctx.responseHeaders = { ...ctx.responseHeaders, 'cache-status': 'tollgate; fwd=miss' };
  // A HEAD answer has no body to keep; the next GET stores one that HEADs can use.
  if (method === 'GET') ctx.observeResponse(cache.observer(key, rule.ttlSeconds * 1000, rule.perApplication, ctx.services.now));
}

/** API, path, the rule's query parameters and headers, and the application when entries are per application. */
function cacheKey(ctx: RequestContext, rule: CacheRule): string {
  let key = `${ctx.api!.api.id}\n${ctx.path.slice(ctx.basePath.length)}`;
  if (rule.queryParameters.length && ctx.query) {
    const params = new URLSearchParams(ctx.query);
    for (const name of rule.queryParameters) key += `\n?${name}=${params.getAll(name).join('\u0000')}`;
  }
  for (const name of rule.headers) {
    const value = ctx.req.headers[name];
    key += `\n${name}: ${Array.isArray(value) ? value.join('\u0000') : (value ?? '')}`;
  }
  if (rule.perApplication) key += `\n@${ctx.identity?.application.id ?? ''}`;
  return key;
}

function answer(ctx: RequestContext, hit: CachedResponse): void {
  const res = ctx.res!;
  ctx.answered = true;
  ctx.exchange.status = hit.status;
  ctx.exchange.detail = 'cache hit';
  ctx.req.resume();
  if (res.destroyed) return;
  const age = Math.max(0, Math.floor((ctx.now - hit.storedAt) / 1000));
  const ttl = Math.max(0, Math.floor((hit.expiresAt - ctx.now) / 1000));
  res.writeHead(hit.status, {
    ...hit.headers,
    ...ctx.responseHeaders,
    'content-length': hit.body.length,
    age: String(age),
    'cache-status': `tollgate; hit; ttl=${ttl}`,
    'x-request-id': ctx.exchange.id,
  });
  if (ctx.req.method === 'HEAD') res.end();
  else res.end(hit.body);
}
