// Hostile and odd input files through the real loader: every problem is a
// diagnostic with file and line, never a throw, and a bad document does not
// stop the good ones beside it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths } from './load.ts';
import { displayPath } from './read-documents.ts';

let root: string;
let seq = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tollgate-read-test-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const GOOD = `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: good
  namespace: team
spec:
  context: /good
  version: v1
  upstream:
    urls: [http://good.team.svc]
`;
const GOOD_LINES = GOOD.split('\n').length - 1;

/** Billion laughs: nine levels of nine aliases each, about 387 million strings when expanded. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat([...'bcdefghi'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .join('\n')
  .concat('\n');

const utf16 = (text: string, endian: 'LE' | 'BE'): Buffer => {
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  return endian === 'LE' ? le : le.swap16();
};
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

interface Row {
  name: string;
  content: Buffer | string;
  /** APIs that must load (namespace/name). */
  loads: string[];
  /** The one error expected, or none. */
  error?: { code: string; line: number; column?: number; message: RegExp };
  /** The last error's message, when there are several. */
  last?: RegExp;
  /** How many errors at most (default: 20 YAML errors and one line that says how many more). */
  maxErrors?: number;
  limits?: { maxFileBytes?: number; maxDocumentsPerFile?: number };
}

const rows: Row[] = [
  {
    name: 'an alias bomb after a good document: refused at its first alias, the good one loads',
    content: `${GOOD}---\n${BOMB}`,
    loads: ['team/good'],
    error: { code: 'YamlAliasLimit', line: GOOD_LINES + 3, column: 8, message: /alias/ },
  },
  {
    name: 'an alias bomb before a good document',
    content: `${BOMB}---\n${GOOD}`,
    loads: ['team/good'],
    error: { code: 'YamlAliasLimit', line: 2, column: 8, message: /more than 100 alias expansions/ },
  },
  {
    name: 'an alias inside the node it refers to (a cycle)',
    content: `${GOOD}---\na: &a [1, *a]\n`,
    loads: ['team/good'],
    error: { code: 'YamlAliasCycle', line: GOOD_LINES + 2, column: 11, message: /circular/ },
  },
  {
    name: 'an alias to no anchor',
    content: `a: *nowhere\n---\n${GOOD}`,
    loads: ['team/good'],
    error: { code: 'YamlSyntax', line: 1, message: /nowhere/ },
  },
  {
    name: 'a YAML 1.1 merge key of a scalar (the library throws converting it)',
    content: `%YAML 1.1\n---\n<<: 5\nb: 1\n---\n${GOOD}`,
    loads: ['team/good'],
    error: { code: 'YamlSyntax', line: 3, message: /Merge sources must be maps/ },
  },
  {
    name: 'nesting deeper than the parser can go, beside a good document',
    content: `${GOOD}---\n${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    loads: ['team/good'],
    error: { code: 'YamlSyntax', line: GOOD_LINES + 2, message: /call stack/ },
  },
  {
    name: 'invalid UTF-8: the file, line and byte offset of the first bad byte',
    content: bytes(GOOD, '# caf\u00e9 ok\n# bad ', [0xc3, 0x28], '\n'),
    loads: [],
    error: {
      code: 'InvalidEncoding',
      line: GOOD_LINES + 2,
      column: 7,
      message: new RegExp(`UTF-8 at byte offset ${Buffer.byteLength(`${GOOD}# caf\u00e9 ok\n# bad `)} \\(byte 0xC3\\)`),
    },
  },
  {
    name: 'a truncated UTF-8 sequence at the end of the file',
    content: bytes('a: b\n', [0xe2, 0x82]),
    loads: [],
    error: { code: 'InvalidEncoding', line: 2, column: 1, message: /UTF-8 at byte offset 5 \(byte 0xE2\)/ },
  },
  {
    name: 'a real U+FFFD in the text is valid UTF-8',
    content: `${GOOD}# \uFFFD\n`,
    loads: ['team/good'],
  },
  { name: 'a UTF-8 BOM is accepted', content: bytes([0xef, 0xbb, 0xbf], GOOD), loads: ['team/good'] },
  { name: 'UTF-16LE with a BOM is decoded', content: utf16(GOOD, 'LE'), loads: ['team/good'] },
  { name: 'UTF-16BE with a BOM is decoded', content: utf16(GOOD, 'BE'), loads: ['team/good'] },
  {
    name: 'UTF-16LE with an unpaired surrogate',
    content: Buffer.concat([utf16('a: b\nc: ', 'LE'), Buffer.from([0x00, 0xd8]), Buffer.from('\n', 'utf16le')]),
    loads: [],
    error: { code: 'InvalidEncoding', line: 2, column: 4, message: /UTF-16LE at byte offset 18/ },
  },
  {
    name: 'UTF-16 without a BOM: refused, not read as garbage',
    content: Buffer.from(GOOD, 'utf16le'),
    loads: [],
    error: { code: 'InvalidEncoding', line: 1, column: 2, message: /NUL .* without a byte order mark/ },
  },
  {
    name: 'UTF-32 with a BOM is refused',
    content: bytes([0xff, 0xfe, 0x00, 0x00], [0x61, 0, 0, 0]),
    loads: [],
    error: { code: 'InvalidEncoding', line: 1, column: 1, message: /UTF-32/ },
  },
  {
    name: 'a file over the byte limit: refused with its size, the limit and the flag',
    content: `${GOOD}# ${'x'.repeat(200)}\n`,
    limits: { maxFileBytes: 256 },
    loads: [],
    error: { code: 'FileTooLarge', line: 1, message: new RegExp(`${Buffer.byteLength(GOOD) + 203} bytes, over the limit of 256 bytes.*--max-file-bytes`) },
  },
  { name: 'a file exactly at the byte limit loads', content: GOOD, limits: { maxFileBytes: Buffer.byteLength(GOOD) }, loads: ['team/good'] },
  {
    name: 'a file with more documents than the limit: refused at the first one too many',
    content: `${GOOD}---\na: 1\n---\nb: 2\n`,
    limits: { maxDocumentsPerFile: 2 },
    loads: [],
    error: { code: 'TooManyDocuments', line: GOOD_LINES + 4, message: /more than 2 documents/ },
  },
  {
    name: 'a garbage document reports a bounded number of errors',
    content: `${GOOD}---\na: b\n${'] \n'.repeat(500)}---\n${GOOD.replaceAll('good', 'after')}`,
    loads: ['team/good', 'team/after'],
    error: { code: 'YamlSyntax', line: GOOD_LINES + 3, message: /Unexpected/ },
    last: /^480 more YAML error\(s\) in this document$/,
  },
  {
    name: 'an object with 200,000 unknown fields (a !!binary spec): 50 problems and a count, not a stack overflow',
    content: `${GOOD.replace('name: good', 'name: binary').replace(/^spec:[^]*$/m, '')}spec: !!binary ${Buffer.alloc(200_000, 7).toString('base64')}\n---\n${GOOD}`,
    loads: ['team/good'],
    error: { code: 'SchemaViolation', line: 6, message: /./ },
    last: /^199\d{3} more problem\(s\) in this object$/,
    maxErrors: 51,
  },
];

describe('readYamlFile: hostile and odd input', () => {
  it.each(rows)('$name', (row) => {
    const file = join(root, `case-${++seq}.yaml`);
    writeFileSync(file, row.content);
    const { resources, diagnostics } = loadPaths([file], row.limits ?? {});
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (row.error) {
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThanOrEqual(row.maxErrors ?? 21);
      expect(errors[0]).toMatchObject({
        code: row.error.code,
        file: displayPath(file),
        line: row.error.line,
        ...(row.error.column ? { column: row.error.column } : {}),
      });
      expect(errors[0]!.message).toMatch(row.error.message);
      if (row.last) expect(errors.at(-1)!.message).toMatch(row.last);
    } else {
      expect(errors).toEqual([]);
    }
    expect(resources.apis.map((a) => `${a.metadata.namespace}/${a.metadata.name}`)).toEqual(row.loads);
  });

  it('refuses a device that never ends without reading past the limit', () => {
    const { diagnostics } = loadPaths(['/dev/zero'], { maxFileBytes: 1024 });
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'FileTooLarge', file: '/dev/zero', message: expect.stringMatching(/more than 1024 bytes/) })]);
  });

  it.each([
    ['a path that does not exist', (dir: string) => join(dir, 'missing.yaml'), 'missing.yaml'],
    ['a dangling symbolic link in a directory', (dir: string) => (symlinkSync(join(dir, 'gone'), join(dir, 'link.yaml')), dir), 'link.yaml'],
  ])('%s is a ReadError with the file, not a throw', (_name, make, shown) => {
    const dir = join(root, `read-${++seq}`);
    mkdirSync(dir);
    const { diagnostics } = loadPaths([make(dir)]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'ReadError', file: expect.stringContaining(shown), line: 1 })]);
  });
});
