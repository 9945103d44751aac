// Dev mode's status follows the clock: a credential that expires is reported
// Expired (status.yaml, `tollgate credentials list`) when the gateway starts
// refusing it, not at the next edit.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { waitFor } from '../test/support/wait.ts';
import { shopYaml } from '../test/support/shop-yaml.ts';
import { devOptions } from '../test/support/dev-options.ts';
import { runDev, type DevOptions, type DevServer } from './run-dev.ts';

const config = (upstream: string, expiresIn: string) => shopYaml(upstream, `[{ name: short, expiresIn: ${expiresIn} }, { name: long }]`);

const tollgate = new URL('../bin/tollgate', import.meta.url).pathname;
let upstream: Upstream;
let dir: string;
let dev: DevServer | undefined;
let printed: string[];

async function start(name: string, expiresIn: string, options: Partial<DevOptions> = {}): Promise<DevServer> {
  writeFileSync(join(dir, `${name}.yaml`), config(upstream.url, expiresIn));
  printed = [];
  dev = await runDev(
    devOptions(dir, {
      paths: [join(dir, `${name}.yaml`)],
      stateDir: join(dir, name),
      print: (line) => printed.push(line),
      ...options,
    }),
  );
  return dev;
}

const states = (name: string) => {
  const all = parse(readFileSync(join(dir, name, 'status.yaml'), 'utf8')) as Array<{
    kind: string;
    name: string;
    status: { credentials?: Array<{ name: string; state: string }> };
  }>;
  return Object.fromEntries(all.find((s) => s.kind === 'Application')!.status.credentials!.map((c) => [c.name, c.state]));
};
const status = async (d: DevServer, credential: string) =>
  (await fetch(`http://127.0.0.1:${d.gateway.proxyPort}/orders/v1`, { headers: { apikey: d.credentials.reveal('shop/shopper', credential)!.consumerKey } }))
    .status;

beforeAll(async () => {
  upstream = await startUpstream();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-expiry-'));
});
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});
afterAll(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tollgate dev credential expiry', () => {
  it('reports a credential Expired once it expires, with no edit, in status.yaml and credentials list', async () => {
    const d = await start('real-clock', '2s');
    expect(states('real-clock')).toEqual({ short: 'Active', long: 'Active' });
    expect(await status(d, 'short')).toBe(200);

    // Refreshed at the expiry (2 s), not at the next minute: 4 s is the generous bound.
    await waitFor('the short credential to be Expired in status.yaml', () => states('real-clock').short === 'Expired', 4_000);
    expect(await status(d, 'short')).toBe(401);
    expect(states('real-clock').long).toBe('Active');
    expect(await status(d, 'long')).toBe(200);
    expect(printed.filter((l) => l.includes('credential short of Application shop/shopper expired at'))).toHaveLength(1);

    const { stdout } = await promisify(execFile)(tollgate, ['credentials', 'list', 'shop/shopper', '--state-dir', join(dir, 'real-clock')]);
    expect(stdout).toMatch(/^short\s+\S+\s+Expired /m);
    expect(stdout).toMatch(/^long\s+\S+\s+Active /m);
  });

  it('refreshes at least every refreshBounds.maxMs, on the injected clock', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    await start('fake-clock', '1h', { clock: () => new Date(now), refreshBounds: { minMs: 20, maxMs: 100 } });
    expect(states('fake-clock').short).toBe('Active');
    now += 2 * 3_600_000;
    await waitFor('the short credential to be Expired on the injected clock', () => states('fake-clock').short === 'Expired', 2_000);
  });
});
