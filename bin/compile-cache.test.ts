// bin/tollgate keeps Node's compile cache per user, so starts after the first
// skip type stripping and compiling; a NODE_COMPILE_CACHE the user set wins.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const tollgate = new URL('./tollgate', import.meta.url).pathname;
let dir: string;

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Files under `d`, recursively; none when it does not exist. */
const filesUnder = (d: string): string[] =>
  existsSync(d)
    ? readdirSync(d, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];

describe('bin/tollgate compile cache', () => {
  it.each([
    {
      name: 'under XDG_CACHE_HOME',
      env: (d: string) => ({ XDG_CACHE_HOME: join(d, 'xdg'), HOME: join(d, 'home') }),
      used: 'xdg/tollgate/node-compile-cache',
      unused: 'home',
    },
    {
      name: 'under HOME/.cache without XDG_CACHE_HOME',
      env: (d: string) => ({ HOME: join(d, 'home') }),
      used: 'home/.cache/tollgate/node-compile-cache',
      unused: 'xdg',
    },
    {
      name: 'where NODE_COMPILE_CACHE says',
      env: (d: string) => ({ NODE_COMPILE_CACHE: join(d, 'own'), XDG_CACHE_HOME: join(d, 'xdg') }),
      used: 'own',
      unused: 'xdg',
    },
  ])('is kept $name', ({ env, used, unused }) => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-compile-cache-'));
    const { NODE_COMPILE_CACHE: _, XDG_CACHE_HOME: __, HOME: ___, ...rest } = process.env;
    execFileSync(tollgate, ['--help'], { env: { ...rest, ...env(dir) }, stdio: 'ignore' });
    expect(filesUnder(join(dir, used)).length).toBeGreaterThan(10);
    expect(filesUnder(join(dir, unused))).toEqual([]);
  });
});
