import { describe, expect, it } from 'vitest';
import type { OpenApiResponse } from '../snapshot/types.ts';
import { negotiate, parsePrefer, responseFor } from './negotiate.ts';

const content = (...types: Array<[string, number]>) =>
  types.map(([mediaType, n]) => ({ mediaType, examples: Array.from({ length: n }, (_, i) => ({ name: `e${i}`, value: i })) }));

describe('negotiate (Accept)', () => {
  it.each([
    { accept: undefined, offered: content(['application/xml', 1], ['application/json', 1]), want: 'application/xml' },
    { accept: 'application/json', offered: content(['application/xml', 1], ['application/json', 1]), want: 'application/json' },
    { accept: 'application/*;q=0.5, application/xml;q=0.1', offered: content(['application/xml', 1], ['application/json', 1]), want: 'application/json' },
    { accept: 'application/json;q=0, */*', offered: content(['application/json', 1], ['text/plain', 1]), want: 'text/plain' },
    { accept: 'text/html', offered: content(['application/json', 1]), want: undefined },
    // Content that has an example to send beats content that has none.
    { accept: '*/*', offered: content(['application/xml', 0], ['application/json', 1]), want: 'application/json' },
    { accept: 'APPLICATION/JSON', offered: content(['application/json', 1]), want: 'application/json' },
  ])('$accept over $offered.length types -> $want', ({ accept, offered, want }) => {
    expect(negotiate(offered, accept)?.mediaType).toBe(want);
  });
});

describe('parsePrefer', () => {
  it.each([
    { header: 'code=404', want: { code: '404' } },
    { header: 'example=none, code=200', want: { code: '200', example: 'none' } },
    { header: ['respond-async', 'example="two words"'], want: { example: 'two words' } },
    { header: 'dynamic=true', want: {} },
    { header: undefined, want: {} },
  ])('$header', ({ header, want }) => {
    expect(parsePrefer(header)).toEqual(want);
  });
});

describe('responseFor', () => {
  const r = (status: string): OpenApiResponse => ({ status, headers: [], content: [] });
  const responses = [r('200'), r('4XX'), r('404'), r('default')];
  it.each([
    { code: undefined, want: ['200', 200] },
    { code: '404', want: ['404', 404] },
    { code: '409', want: ['4XX', 409] },
    { code: '503', want: ['default', 503] },
    { code: 'teapot', want: undefined },
  ])('code $code', ({ code, want }) => {
    const found = responseFor(responses, code);
    expect(found ? [found.response.status, found.status] : undefined).toEqual(want);
  });

  it('answers 200 for a document that declares only default', () => {
    expect(responseFor([r('default')], undefined)?.status).toBe(200);
  });
});
