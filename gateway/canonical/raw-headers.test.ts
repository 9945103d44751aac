import { describe, expect, it } from 'vitest';
import { forwardableHeaders } from './raw-headers.ts';

describe('forwardableHeaders', () => {
  it("keeps the client's order and leaves out what the client may not say, the consumed credential, and what Connection names", () => {
    const headers = {
      host: 'api.example',
      'x-api-key': 'secret',
      accept: '*/*',
      connection: 'keep-alive, X-Custom',
      'x-custom': 'hop',
      'x-forwarded-for': '6.6.6.6',
      'x-tollgate-application': 'forged',
      'x-http-method-override': 'DELETE',
      'x-request-id': 'client-chosen',
      te: 'trailers',
      authorization: 'Bearer t',
      'user-agent': 'ua',
    };
    const out = forwardableHeaders(headers, false, 'x-api-key', 'authorization');
    expect(Object.keys(out)).toEqual(['host', 'accept', 'user-agent']);
    expect(out).toEqual({ host: 'api.example', accept: '*/*', 'user-agent': 'ua' });
    // The request's own headers are not touched.
    expect(headers['x-api-key']).toBe('secret');
  });

  it('keeps Upgrade and Connection for a WebSocket upgrade, and the authorization header unless it was consumed', () => {
    const headers = { host: 'h', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k', authorization: 'Basic x' };
    expect(forwardableHeaders(headers, true)).toEqual(headers);
    expect(Object.keys(forwardableHeaders(headers, false))).toEqual(['host', 'sec-websocket-key', 'authorization']);
  });
});
