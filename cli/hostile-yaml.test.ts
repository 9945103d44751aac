// Hostile YAML through the real bin/tollgate in child processes: validate and
// plan report it as a finding and exit 1, and a running `tollgate dev` stays
// up and keeps serving its last good snapshot when it appears on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoDir as root, tollgateBin as tollgate, tollgateCli as cli } from '../test/support/tollgate-cli.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, waitFor } from '../test/support/wait.ts';

const api = (upstream: string) => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: open
  namespace: team
spec:
  context: /open
  version: v1
  auth:
    none: true
  upstream:
    urls: [${upstream}]
`;

/** Billion laughs; its first alias is on line 2 of the document, column 8. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat([...'bcdefghi'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .join('\n')
  .concat('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-hostile-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const STACK = /^\s+at .+\(.*:\d+:\d+\)$|node:internal|ReferenceError/m;

describe('validate and plan on hostile YAML', () => {
  it.each([
    ['an alias bomb', BOMB, 2, 'YamlAliasLimit'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('a: b\nc: '), Buffer.from([0xff]), Buffer.from('\n')]), 2, 'InvalidEncoding'],
  ])('%s: validate and plan exit 1 with file:line and no stack trace, and the good document still counts', async (_name, bad, line, code) => {
    const file = join(dir, `bad-${code}.yaml`);
    writeFileSync(file, typeof bad === 'string' ? `${api('http://127.0.0.1:9')}---\n${bad}` : bad);
    const badLine = typeof bad === 'string' ? api('').split('\n').length + line : line;

    const v = await cli('validate', file);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(new RegExp(`^${file}:${badLine}:\\d+: error ${code}: `, 'm'));
    expect(v.stdout).toContain('1 error(s)');
    expect(v.stdout + v.stderr).not.toMatch(STACK);

    const p = await cli('plan', file, '--output', 'json');
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(new RegExp(`^${file}:${badLine}:\\d+: error ${code}: `, 'm'));
    expect(p.stdout + p.stderr).not.toMatch(STACK);
    if (typeof bad === 'string') expect(JSON.parse(p.stdout).routes).toEqual([expect.objectContaining({ basePath: '/open/v1' })]);
  });

  it('refuses a file over --max-file-bytes naming its size, the limit and the flag, and reads it with a higher limit', async () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `${api('http://127.0.0.1:9')}# ${'x'.repeat(2000)}\n`);
    const small = await cli('validate', file, '--max-file-bytes', '1KiB');
    expect(small.code).toBe(1);
    expect(small.stdout).toMatch(
      new RegExp(`^${file}:1:1: error FileTooLarge: the file has \\d+ bytes, over the limit of 1024 bytes: .*--max-file-bytes`, 'm'),
    );
    const raised = await cli('validate', file, '--max-file-bytes', '4KiB');
    expect(raised.stdout).toContain('0 error(s)');
    expect(raised.code).toBe(0);
  });

  it('rejects a --max-file-bytes that is not a size, without a stack trace', async () => {
    const r = await cli('validate', dir, '--max-file-bytes', 'lots');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--max-file-bytes .*is invalid/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('tollgate dev with hostile YAML dropped into the watched directory', () => {
  let backend: Server;
  let dev: ChildProcess;
  let out = '';
  let proxy: string;
  let config: string;

  beforeAll(async () => {
    backend = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    config = join(dir, 'dev-config');
    mkdirSync(config);
    writeFileSync(join(config, 'api.yaml'), api(`http://127.0.0.1:${(backend.address() as { port: number }).port}`));
    dev = spawn(tollgate, ['dev', config, '--port', '0', '--admin-port', '0', '--state-dir', join(dir, 'dev-state')], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    dev.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    dev.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proxy = await eventually('the dev gateway to listen', async () => /gateway on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 30_000);
  }, 40_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((r) => dev.once('exit', r));
      dev.kill('SIGTERM');
      await exited;
    }
    backend?.close();
  });

  const status = async () => (await fetch(`${proxy}/open/v1/`)).status;

  it('stays up, reports each finding with file:line and keeps serving the last good snapshot', async () => {
    expect(await status()).toBe(200);

    // A new file that is an alias bomb.
    writeFileSync(join(config, 'bomb.yaml'), BOMB);
    await waitFor('the alias bomb to be reported', () => out.includes(`${join(config, 'bomb.yaml')}:2:8: error YamlAliasLimit`), 10_000);
    expect(dev.exitCode).toBeNull();
    expect(await status()).toBe(200);

    // The good file itself gains a bomb: its API keeps its last good version.
    writeFileSync(join(config, 'api.yaml'), `${api(`http://127.0.0.1:${(backend.address() as { port: number }).port}`)}---\n${BOMB}`);
    await waitFor('the edited file to keep its last good objects', () => /api\.yaml.*note KeptLastGood/.test(out), 10_000);
    expect(dev.exitCode).toBeNull();
    expect(await status()).toBe(200);

    // Invalid UTF-8 and an oversized file are findings too.
    writeFileSync(join(config, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    writeFileSync(join(config, 'huge.yaml'), Buffer.alloc(1024 * 1024 + 1, 0x20));
    await waitFor(
      'the encoding and size errors',
      () => out.includes('latin1.yaml:1:4: error InvalidEncoding') && out.includes('huge.yaml:1:1: error FileTooLarge'),
      10_000,
    );
    expect(dev.exitCode).toBeNull();
    expect(await status()).toBe(200);
    expect(out).not.toMatch(STACK);
  }, 30_000);
});
