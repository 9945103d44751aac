import type { Api, PathMatch, Product, Route, Snapshot, Subscription } from '../gateway/snapshot/types.ts';

/**
 * Ready-to-run requests for applications' new keys: the first operation of the
 * application's first active subscription to a product that takes API keys, on a
 * literal path where the product names one, else on its first path with each parameter
 * filled in (so the call is routed, not a 404 at the bare base path). The snapshot is indexed once, so a curl per new credential costs
 * the application's own subscriptions, not a scan of the whole snapshot.
 */
export function exampleCurls(snapshot: Snapshot, proxyUrl: string): (applicationId: string, key: string) => string | undefined {
  const subscriptions = new Map<string, Subscription[]>();
  for (const s of snapshot.subscriptions) {
    const list = subscriptions.get(s.application);
    if (list) list.push(s);
    else subscriptions.set(s.application, [s]);
  }
  const products = new Map<string, Product>(snapshot.products.map((p) => [p.id, p]));
  const apis = new Map<string, Api>(snapshot.apis.map((a) => [a.id, a]));
  // The longest any-host base path of each API; among equals, the first in snapshot order.
  const routes = new Map<string, Route>();
  for (const r of snapshot.routes) {
    const best = routes.get(r.api);
    if (r.host === '*' && (!best || r.basePath.length > best.basePath.length)) routes.set(r.api, r);
  }
  return (applicationId, key) => {
    for (const sub of subscriptions.get(applicationId) ?? []) {
      const product = products.get(sub.product);
      if (product?.apiKeys !== 'Allowed') continue;
      for (const op of product.operations) {
        const api = apis.get(op.api);
        const route = routes.get(op.api);
        if (!api?.auth.apiKey || !route) continue;
        const path = op.paths.find((p) => p.rest !== 'oneOrMore' && !p.segments.includes('*')) ?? op.paths[0];
        const suffix = path ? samplePath(path) : '';
        const method = op.methods.length && !op.methods.includes('GET') ? ` -X ${op.methods[0]}` : '';
        return `curl${method} -H '${api.auth.apiKey.header}: ${key}' ${proxyUrl}${route.basePath}${suffix}`;
      }
    }
    return undefined;
  };
}

/** A concrete path for a pattern: `{name}` and `*` segments become `name` and `example`, `/**` one more `example`. */
function samplePath(path: PathMatch): string {
  const written = path.pattern.split('/').filter(Boolean);
  const segments = path.segments.map((segment, i) => (segment !== '*' ? segment : (/^\{(\w+)\}$/.exec(written[i] ?? '')?.[1] ?? 'example')));
  if (path.rest === 'oneOrMore') segments.push('example');
  return segments.length ? '/' + segments.join('/') : '';
}
