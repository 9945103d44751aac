// JSON threat protection and the per-API body limit over real HTTP: a JSON body past a
// limit is refused with 400 before anything reaches the upstream; one within the limits
// arrives byte for byte; other media types are not inspected.
import { describe, expect, it } from 'vitest';
import { TEST_KEY, basicSnapshot, send } from '../../test/gateway/fixtures.ts';
import { useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

const h = useUpstreamAndGateway({
  snapshot: (url) =>
    basicSnapshot(url, (b) => {
      b.apis[0]!.policies = { maxBodyBytes: 2_000, jsonLimits: { maxDepth: 4, maxObjectKeys: 3, maxStringLength: 20, maxArrayLength: 5 } };
    }),
});

const post = (body: string, type = 'application/json', chunked = false) =>
  send(h.gw.proxyPort, '/hello/1.0.0/orders', {
    method: 'POST',
    headers: {
      'x-api-key': TEST_KEY,
      'content-type': type,
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) }),
    },
    body,
  });

describe('JSON threat limits through the gateway', () => {
  it.each([
    { name: 'within every limit', body: '{"a":[1,2,3],"b":{"c":"short"}}', status: 200 },
    { name: 'too deep', body: '{"a":{"b":{"c":{"d":{"e":1}}}}}', status: 400, detail: 'nesting is deeper than 4' },
    { name: 'too many keys', body: '{"a":1,"b":2,"c":3,"d":4}', status: 400, detail: 'more than 3 keys' },
    { name: 'a long string', body: '{"a":"' + 'x'.repeat(21) + '"}', status: 400, detail: 'longer than 20 bytes' },
    { name: 'a long array', body: '[1,2,3,4,5,6]', status: 400, detail: 'more than 5 entries' },
    { name: 'a +json media type is JSON too', body: '[1,2,3,4,5,6]', type: 'application/problem+json', status: 400 },
    { name: 'chunked, too deep', body: '[[[[[1]]]]]', chunked: true, status: 400 },
    { name: 'not JSON: not inspected', body: '[1,2,3,4,5,6]', type: 'text/plain', status: 200 },
    { name: 'past the API body limit', body: '"' + 'x'.repeat(2_100) + '"', type: 'text/plain', status: 413 },
  ])('$name: $status', async (c) => {
    const res = await post(c.body, c.type, c.chunked);
    expect(res.status).toBe(c.status);
    if (c.status === 400) expect(res.json().code).toBe('json-too-complex');
    if (c.detail) expect(res.json().detail).toContain(c.detail);
    expect(h.upstream.seen).toHaveLength(c.status === 200 ? 1 : 0);
    if (c.status === 200) expect(h.upstream.seen[0]!.body).toBe(c.body);
  });
});
