import { describe, expect, it } from 'vitest';
import { mockResponses } from './mock-responses.ts';

const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };

describe('mockResponses', () => {
  it('puts success codes first, then the rest ascending, default last', () => {
    const op = { responses: { default: {}, '404': {}, '2XX': {}, '201': {}, '400': {} } };
    expect(mockResponses(op, doc).map((r) => r.status)).toEqual(['201', '2XX', '400', '404', 'default']);
  });

  it.each([
    {
      name: 'named examples, in document order',
      media: { examples: { one: { value: 1 }, two: { value: 2 }, external: { externalValue: 'http://x' } } },
      want: [
        { name: 'one', value: 1 },
        { name: 'two', value: 2 },
      ],
    },
    { name: 'the single example', media: { example: { a: 1 }, schema: { type: 'object' } }, want: [{ name: 'example', value: { a: 1 } }] },
    {
      name: 'one generated from the schema',
      media: { schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer', example: 7 }, secret: { type: 'string', writeOnly: true } } } },
      want: [{ name: 'generated', value: { id: 7 } }],
    },
    { name: 'none for a media type no sample can be made for', media: { schema: { type: 'string', format: 'binary' } }, type: 'image/png', want: [] },
  ])('$name', ({ media, type, want }) => {
    const op = { responses: { '200': { description: 'ok', content: { [type ?? 'application/json']: media } } } };
    expect(mockResponses(op, doc)[0]!.content[0]!.examples).toEqual(want);
  });

  it('sends declared headers, lower-case, except those no client could read or that would split the response', () => {
    const op = {
      responses: {
        '200': {
          description: 'ok',
          headers: {
            'X-Rate-Limit': { schema: { type: 'integer' }, example: 100 },
            'Content-Type': { example: 'text/evil' },
            'Bad Name': { example: 'x' },
            'X-Split': { example: 'a\r\nSet-Cookie: stolen=1' },
            'X-Unicode': { example: 'ünïcödé' },
          },
          content: { 'application/json\r\nx-injected: 1': { example: 1 }, 'application/json': { example: 2 } },
        },
      },
    };
    const [response] = mockResponses(op, doc);
    expect(response!.headers).toEqual([{ name: 'x-rate-limit', value: '100' }]);
    expect(response!.content.map((c) => c.mediaType)).toEqual(['application/json']);
  });
});
