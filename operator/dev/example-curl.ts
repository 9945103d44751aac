import type { Snapshot } from '../../gateway/snapshot/types.ts';

/**
 * A ready-to-run request for an application's new key: the first operation of
 * its first active subscription to a product that accepts API keys, on a literal
 * path where the product names one.
 */
export function exampleCurl(snapshot: Snapshot, applicationId: string, key: string, proxyUrl: string): string | undefined {
  for (const sub of snapshot.subscriptions.filter((s) => s.application === applicationId)) {
    const product = snapshot.products.find((p) => p.id === sub.product);
    if (product?.apiKeys !== 'Allowed') continue;
    for (const op of product.operations) {
      const api = snapshot.apis.find((a) => a.id === op.api);
      const route = snapshot.routes.filter((r) => r.api === op.api && r.host === '*').sort((a, b) => b.basePath.length - a.basePath.length)[0];
      if (!api?.auth.apiKey || !route) continue;
      const literal = op.paths.find((p) => p.rest !== 'oneOrMore' && !p.segments.includes('*'));
      const suffix = literal && literal.segments.length ? '/' + literal.segments.join('/') : '';
      const method = op.methods.length && !op.methods.includes('GET') ? ` -X ${op.methods[0]}` : '';
      return `curl${method} -H '${api.auth.apiKey.header}: ${key}' ${proxyUrl}${route.basePath}${suffix}`;
    }
  }
  return undefined;
}
