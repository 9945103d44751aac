import { describe, expect, it } from 'vitest';
import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, basicSnapshot, send } from '../../test/gateway/fixtures.ts';
import { useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

// HEAD is GET without a body (RFC 9110 §9.3.2): wherever an API operation or a
// product allows GET, HEAD passes too, and `Allow` lists it.
const h = useUpstreamAndGateway();

const item = { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' as const };
const apiMethods = (methods: string[]) => (b: SnapshotBody) => (b.apis[0]!.operations = [{ match: item, methods }]);
const productMethods = (methods: string[]) => (b: SnapshotBody) => (b.products[0]!.operations[0]!.methods = methods);

interface Row {
  name: string;
  change: (b: SnapshotBody) => void;
  method: string;
  status: number;
  code?: string;
  allow?: string;
}

const rows: Row[] = [
  { name: 'API operation allows GET: HEAD passes', change: apiMethods(['GET']), method: 'HEAD', status: 200 },
  { name: 'API operation allows POST only: HEAD is 405', change: apiMethods(['POST']), method: 'HEAD', status: 405, code: 'method-not-allowed', allow: 'POST' },
  {
    name: 'Allow lists HEAD where GET is allowed',
    change: apiMethods(['GET', 'POST']),
    method: 'DELETE',
    status: 405,
    code: 'method-not-allowed',
    allow: 'GET, POST, HEAD',
  },
  {
    name: 'Allow does not repeat an explicit HEAD',
    change: apiMethods(['GET', 'HEAD']),
    method: 'PUT',
    status: 405,
    code: 'method-not-allowed',
    allow: 'GET, HEAD',
  },
  { name: 'product allows GET: HEAD is authorised', change: productMethods(['GET']), method: 'HEAD', status: 200 },
  { name: 'product allows POST only: HEAD is not', change: productMethods(['POST']), method: 'HEAD', status: 405, code: 'method-not-allowed', allow: 'POST' },
  { name: 'product allows HEAD only: GET is not', change: productMethods(['HEAD']), method: 'GET', status: 405, code: 'method-not-allowed', allow: 'HEAD' },
];

describe('HEAD where GET is allowed', () => {
  it.each(rows)('$name', async (row) => {
    expect(h.gw.applySnapshot(basicSnapshot(h.upstream.url, row.change)).ok).toBe(true);
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/items/7', { method: row.method, headers: { 'x-api-key': TEST_KEY } });
    expect(res.status).toBe(row.status);
    if (row.allow !== undefined) expect(res.headers.allow).toBe(row.allow);
    if (row.status >= 400) {
      // HEAD answers carry no body, so the code is only checked for other methods.
      if (row.code && row.method !== 'HEAD') expect(res.json()).toMatchObject({ code: row.code });
      expect(h.upstream.seen).toHaveLength(0);
      return;
    }
    expect(res.body).toBe('');
    expect(h.upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual([`${row.method} /items/7`]);
  });
});
