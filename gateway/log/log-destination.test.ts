import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { logDestination } from './log-destination.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; n: number });

describe('logDestination', () => {
  it('writes lines in order, a batch at a time, and a quiet logger within flushMs', async () => {
    const file = path.join(dir, 'batched.log');
    const dest = logDestination({ dest: file, bufferBytes: 4096, flushMs: 50 });
    const logger = pino(dest);
    for (let n = 0; n < 200; n++) logger.info({ n }, 'request');
    logger.info({ n: 200 }, 'last');
    await new Promise((r) => setTimeout(r, 300));
    const written = lines(file);
    expect(written.map((l) => l.n)).toEqual(Array.from({ length: 201 }, (_, n) => n));
    expect(written.at(-1)!.msg).toBe('last');
    dest.end();
  });

  it('leaves nothing behind when the process exits', () => {
    const file = path.join(dir, 'exit.log');
    const module = fileURLToPath(new URL('./log-destination.ts', import.meta.url));
    const script = `import { pino } from 'pino'; import { logDestination } from ${JSON.stringify(module)};
      const logger = pino(logDestination({ dest: ${JSON.stringify(file)}, flushMs: 60_000 }));
      logger.info({ n: 1 }, 'one'); logger.info({ n: 2 }, 'two');
      setTimeout(() => process.exit(0), 50);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.dirname(module), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(lines(file).map((l) => l.msg)).toEqual(['one', 'two']);
  });
});
