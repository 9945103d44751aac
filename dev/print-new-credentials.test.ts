import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../gateway/snapshot/types.ts';
import type { IssuedCredential } from './dev-credential-store.ts';
import { MAX_PRINTED_CREDENTIALS, printNewCredentials } from './print-new-credentials.ts';

// Only what the example curl reads: app-0 subscribes to a product over one API key API.
const snapshot = {
  routes: [
    { host: '*', basePath: '/orders', api: 'shop/orders' },
    { host: '*', basePath: '/orders/v1', api: 'shop/orders' },
    { host: 'shop.example', basePath: '/orders/v1/long', api: 'shop/orders' },
  ],
  apis: [{ id: 'shop/orders', auth: { required: true, apiKey: { header: 'apikey' } } }],
  products: [
    {
      id: 'shop/orders',
      apiKeys: 'Allowed',
      operations: [{ api: 'shop/orders', methods: ['POST'], paths: [{ pattern: '/items', segments: ['items'], rest: 'none' }] }],
    },
  ],
  subscriptions: [{ id: 'apps/s', application: 'apps/app-0', product: 'shop/orders' }],
} as unknown as Snapshot;

const issued = (n: number): IssuedCredential[] =>
  Array.from({ length: n }, (_, i) => ({ application: `apps/app-${i}`, name: 'default', consumerKey: `tg_key${i}`, consumerSecret: `tgs_secret${i}` }));

function print(n: number): string[] {
  const lines: string[] = [];
  printNewCredentials(issued(n), { snapshot, proxyUrl: 'http://127.0.0.1:8080', credentialsFile: '/state/credentials.json', print: (l) => lines.push(l) });
  return lines;
}

describe('printNewCredentials', () => {
  it.each([
    { n: 0, shown: 0, more: undefined },
    { n: 3, shown: 3, more: undefined },
    { n: MAX_PRINTED_CREDENTIALS, shown: MAX_PRINTED_CREDENTIALS, more: undefined },
    { n: 25_000, shown: MAX_PRINTED_CREDENTIALS, more: `${25_000 - MAX_PRINTED_CREDENTIALS} more new credential(s) not shown` },
  ])('shows $shown of $n new credentials', ({ n, shown, more }) => {
    const lines = print(n);
    expect(lines.filter((l) => l.startsWith('new credential '))).toHaveLength(shown);
    expect(lines.filter((l) => l.startsWith('  consumer key: '))).toHaveLength(shown);
    const tail = lines.find((l) => l.includes('more new credential'));
    if (more) expect(tail?.startsWith(`${more}; see one with: tollgate credentials show`)).toBe(true);
    else expect(tail).toBeUndefined();
  });

  it.each([
    { pattern: '/current/{city}', segments: ['current', '*'], rest: 'none', path: '/current/city' },
    { pattern: '/current/*', segments: ['current', '*'], rest: 'none', path: '/current/example' },
    { pattern: '/files/**', segments: ['files'], rest: 'oneOrMore', path: '/files/example' },
    { pattern: '/', segments: [], rest: 'any', path: '' },
  ])('fills in a product path with parameters ($pattern) rather than sending the bare base path', ({ pattern, segments, rest, path }) => {
    const product = { ...snapshot.products[0]!, operations: [{ api: 'shop/orders', methods: ['GET'], paths: [{ pattern, segments, rest }] }] };
    const lines: string[] = [];
    printNewCredentials(issued(1), {
      snapshot: { ...snapshot, products: [product] } as Snapshot,
      proxyUrl: 'http://127.0.0.1:8080',
      credentialsFile: '/c.json',
      print: (l) => lines.push(l),
    });
    expect(lines.filter((l) => l.startsWith('  try: '))).toEqual([`  try: curl -H 'apikey: tg_key0' http://127.0.0.1:8080/orders/v1${path}`]);
  });

  it('gives a subscribed application a curl on its longest any-host route, and the others none', () => {
    const lines = print(2);
    expect(lines.filter((l) => l.startsWith('  try: '))).toEqual([`  try: curl -X POST -H 'apikey: tg_key0' http://127.0.0.1:8080/orders/v1/items`]);
  });
});
