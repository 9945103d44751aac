import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readYamlFile } from '../loader/read-documents.ts';
import { YamlParseCache } from './yaml-parse-cache.ts';

const root = mkdtempSync(join(tmpdir(), 'tollgate-parse-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, String(n++));
  mkdirSync(join(dir, 'config'), { recursive: true });
});

const api = (name: string) => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: ${name}
  namespace: shop
spec:
  context: /${name}
  version: v1
  upstream: { urls: ["http://127.0.0.1:1"] }
`;
const write = (file: string, text: string) => writeFileSync(join(dir, 'config', file), text);
const files = (...names: string[]) => names.map((f) => join(dir, 'config', f));

/** One start: every file read through a fresh cache, then saved. */
function start(names: string[]) {
  const cache = new YamlParseCache(dir);
  const parsed = files(...names).map((f) => cache.read(f));
  cache.save();
  return { parsed, stats: cache.stats };
}

/** What the documents say, positions included, for comparing with a real parse. */
const view = (p: ReturnType<typeof readYamlFile>) => ({
  diagnostics: p.diagnostics,
  documents: p.documents.map((d) => ({ file: d.file, index: d.index, value: d.value, at: d.locate([]), field: d.locate(['spec', 'upstream', 'urls', 0]) })),
});

describe('YamlParseCache', () => {
  it('parses each file once across starts, and gives what a parse gives, positions included', () => {
    write('a.yaml', `${api('a')}---\n# nothing\n---\n${api('b')}`);
    write('c.yaml', api('c'));
    expect(start(['a.yaml', 'c.yaml']).stats).toMatchObject({ hits: 0, misses: 2 });
    const again = start(['a.yaml', 'c.yaml']);
    expect(again.stats).toMatchObject({ hits: 2, misses: 0 });
    expect(again.parsed.map(view)).toEqual(files('a.yaml', 'c.yaml').map((f) => view(readYamlFile(f))));
  });

  it('parses a changed file again and forgets files no longer read', () => {
    write('a.yaml', api('a'));
    write('b.yaml', api('b'));
    start(['a.yaml', 'b.yaml']);
    write('a.yaml', api('a2'));
    const next = start(['a.yaml']);
    expect(next.stats).toMatchObject({ hits: 0, misses: 1 });
    expect(next.parsed[0]!.documents[0]!.value).toMatchObject({ metadata: { name: 'a2' } });
    expect(readFileSync(join(dir, 'parse-cache'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(start(['a.yaml', 'b.yaml']).stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it.each([
    { name: 'a syntax error', text: 'kind: API\nmetadata: { name: [\n' },
    { name: 'a duplicate key', text: 'kind: API\nkind: API\n' },
    { name: 'a value JSON cannot carry', text: `${api('a')}  weight: .inf\n` },
    { name: 'negative zero', text: `${api('a')}  weight: -0.0\n` },
  ])('never caches $name: it is parsed, with its diagnostics, every time', ({ text }) => {
    write('x.yaml', text);
    start(['x.yaml']);
    const second = start(['x.yaml']);
    expect(second.stats).toMatchObject({ hits: 0, misses: 1 });
    expect(view(second.parsed[0]!)).toEqual(view(readYamlFile(files('x.yaml')[0]!)));
  });

  it('hands out a fresh value on each hit, so validation filling in defaults changes no later read', () => {
    write('a.yaml', api('a'));
    write('b.yaml', api('a'));
    start(['a.yaml', 'b.yaml']);
    const cache = new YamlParseCache(dir);
    const first = cache.read(files('a.yaml')[0]!).documents[0]!.value as { spec: Record<string, unknown> };
    first.spec.lifecycle = 'Retired';
    expect(cache.read(files('b.yaml')[0]!).documents[0]!.value).not.toHaveProperty('spec.lifecycle');
    expect(cache.stats.hits).toBe(2);
  });

  it.each([
    { name: 'garbage', content: 'not a cache\x00\n' },
    { name: 'another parser', content: `tollgate-parse-cache/1 ${'0'.repeat(64)}\n${'f'.repeat(64)}\t[]\n` },
    { name: 'a broken entry', content: null },
  ])('starts afresh from $name', ({ content }) => {
    write('a.yaml', api('a'));
    start(['a.yaml']);
    const file = join(dir, 'parse-cache');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, content ?? `${lines[0]}\n${lines[1]!.slice(0, 70)}\n`);
    const next = start(['a.yaml']);
    expect(next.stats).toMatchObject({ hits: 0, misses: 1 });
    expect(view(next.parsed[0]!)).toEqual(view(readYamlFile(files('a.yaml')[0]!)));
  });

  it('parses what it lacks on worker threads first, leaving what they cannot keep to the load', async () => {
    write('a.yaml', `${api('a')}---\n${api('b')}`);
    write('b.yaml', api('c'));
    write('broken.yaml', 'kind: API\nmetadata: { name: [\n');
    write('inf.yaml', `${api('d')}  weight: .inf\n`);
    const names = ['a.yaml', 'b.yaml', 'broken.yaml', 'inf.yaml'];
    const cache = new YamlParseCache(dir);
    await cache.prefetch([join(dir, 'config')], { workers: 2, minBytes: 0 });
    expect(cache.stats).toEqual({ hits: 0, misses: 0, prefetched: 2 });
    const parsed = files(...names).map((f) => cache.read(f));
    expect(cache.stats).toEqual({ hits: 2, misses: 2, prefetched: 2 });
    expect(parsed.map(view)).toEqual(files(...names).map((f) => view(readYamlFile(f))));
    cache.save();
    expect(start(names).stats).toEqual({ hits: 2, misses: 2, prefetched: 0 });
  });

  it('leaves a small amount of parsing to the load', async () => {
    write('a.yaml', api('a'));
    const cache = new YamlParseCache(dir);
    await cache.prefetch([join(dir, 'config')]);
    expect(cache.stats.prefetched).toBe(0);
  });
});
