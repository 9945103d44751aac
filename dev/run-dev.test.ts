// `tollgate dev` end to end over loopback: the examples with a real backend,
// real HTTP, and edits to the YAML on disk.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleBackend } from './example-backend.ts';
import { runDev, type DevServer } from './run-dev.ts';
import { until as untilWithin } from '../test/support/wait.ts';
import { devOptions } from '../test/support/dev-options.ts';

// Edits are live within 1 s; 3 s is the generous bound.
const until = <T>(what: string, fn: () => Promise<T | undefined>) => untilWithin(what, fn, 3_000, 10);

const examples = new URL('../examples/', import.meta.url).pathname;
let dir: string;
let backend: Server;
let dev: DevServer;
let printed: string[];
let base: string;
/** What was on disk when dev mode said it was serving. */
let atReady: { serving: number; statusFile: boolean } | undefined;

function rewriteUpstreams(root: string, port: number): void {
  for (const entry of readdirSync(root)) {
    const p = join(root, entry);
    if (statSync(p).isDirectory()) rewriteUpstreams(p, port);
    else if (p.endsWith('.yaml')) writeFileSync(p, readFileSync(p, 'utf8').replaceAll('http://127.0.0.1:8081', `http://127.0.0.1:${port}`));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-'));
  cpSync(examples, join(dir, 'config'), { recursive: true, filter: (src) => !src.includes('/backend') });
  backend = await startExampleBackend(0);
  const port = (backend.address() as { port: number }).port;
  rewriteUpstreams(join(dir, 'config'), port);
  printed = [];
  dev = await runDev(
    devOptions(dir, {
      print: (line) => {
        printed.push(line);
        if (line.startsWith('gateway on '))
          atReady = { serving: printed.filter((l) => l.startsWith('serving ')).length, statusFile: existsSync(join(dir, 'state', 'status.yaml')) };
      },
      logger: pino({ level: 'silent' }),
    }),
  );
  base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
});

afterAll(async () => {
  await dev?.close();
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = (app: string) => dev.credentials.reveal(app, 'default')!.consumerKey;

describe('tollgate dev', () => {
  it('prints each new key once with a curl that works, and keeps keys in a 0600 file', async () => {
    const curl = printed.find((l) => l.includes('try: curl') && l.includes('/hello/1.0.0'));
    expect(curl).toBe(`  try: curl -H 'apikey: ${key('greetings/greetings')}' ${base}/hello/1.0.0`);
    const res = await fetch(`${base}/hello/1.0.0`, { headers: { apikey: key('greetings/greetings') } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world' });
    expect(statSync(join(dir, 'state', 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('says it is serving once a snapshot is applied, and has written status.yaml by the time it returns', () => {
    expect(atReady).toEqual({ serving: 1, statusFile: false });
    const statuses = parse(readFileSync(join(dir, 'state', 'status.yaml'), 'utf8')) as Array<{
      kind: string;
      name: string;
      status: { conditions: Array<{ type: string; status: string }> };
    }>;
    const app = statuses.find((s) => s.kind === 'Application' && s.name === 'greetings');
    expect(app?.status.conditions.find((c) => c.type === 'Programmed')?.status).toBe('True');
  });

  it('serves the weather_free operation and refuses what the product does not cover', async () => {
    const k = key('weather-team/weatherapp');
    expect((await fetch(`${base}/weatherapikey/v1/forecastrss`, { headers: { apikey: k } })).status).toBe(200);
    expect((await fetch(`${base}/weatherapikey/v1/other`, { headers: { apikey: k } })).status).toBe(403);
    expect((await fetch(`${base}/weatherapikey/v1/forecastrss`, { headers: { apikey: 'tg_wrong' } })).status).toBe(401);
  });

  it('serves examples/policies as documented: rewritten path, header rules, backend basic auth from secrets/', async () => {
    const res = await fetch(`${base}/inventory/v1/items/42`, { headers: { apikey: key('greetings/greetings'), 'x-debug': '1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('server')).toBeNull();
    expect(await res.json()).toEqual({
      method: 'GET',
      path: '/v2/items/42/stock',
      application: 'greetings/greetings',
      product: 'platform/inventory',
      caller: 'greetings/greetings via platform/inventory',
      backendUser: 'inventory-gateway',
    });
  });

  it('applies an edit within 1 s without a restart, and keeps serving through a broken edit', async () => {
    const file = join(dir, 'config', 'hello-world', 'product.yaml');
    const original = readFileSync(file, 'utf8');
    const k = key('greetings/greetings');
    const status = async () => (await fetch(`${base}/hello/1.0.0`, { headers: { apikey: k } })).status;

    writeFileSync(file, original.replace('paths: [/]', 'paths: [/]\n      methods: [POST]'));
    // The subscription now covers the path for POST only.
    const denied = await until('405 after the edit', async () => ((await status()) === 405 ? true : undefined));
    expect(denied.ms).toBeLessThan(1000);

    writeFileSync(file, original.replace('access: public', 'access: sideways'));
    await until('the broken edit to be reported', async () =>
      printed.some((l) => l.includes('product.yaml') && l.includes('spec.access')) ? true : undefined,
    );
    expect(await status()).toBe(405);

    writeFileSync(file, original);
    await until('200 after the fix', async () => ((await status()) === 200 ? true : undefined));
  });

  it('cuts a revoked credential off at the next request', async () => {
    const file = join(dir, 'config', 'hello-world', 'application.yaml');
    const original = readFileSync(file, 'utf8');
    const k = key('greetings/greetings');
    writeFileSync(file, original.replace('- name: default', '- name: default\n      revoked: true'));
    const cut = await until('401 after revoking', async () => {
      const res = await fetch(`${base}/hello/1.0.0`, { headers: { apikey: k } });
      return res.status === 401 ? true : undefined;
    });
    expect(cut.ms).toBeLessThan(1000);
    writeFileSync(file, original);
  });
});
