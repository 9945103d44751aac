// bench/revocation: in dev mode, the time from writing a YAML change that takes
// access away to the first refused request, for an API key and for an access token
// issued before the change, side by side. Target: at most 1 s (p95).
// Everything runs in this process over 127.0.0.1 and stops by itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream } from '../../test/gateway/fixtures.ts';
import { runDev } from '../../dev/run-dev.ts';
import { shopYaml } from '../../test/support/shop-yaml.ts';
import { devOptions } from '../../test/support/dev-options.ts';

const TRIES = Number(process.env.BENCH_TRIES ?? 20);
const TIMEOUT_MS = 10_000;

const config = (upstream: string, change: 'none' | 'revoke' | 'unsubscribe') =>
  shopYaml(upstream, `[{ name: default${change === 'revoke' ? ', revoked: true' : ''} }]`, change !== 'unsubscribe');

const upstream = await startUpstream();
const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-revocation-'));
mkdirSync(join(dir, 'config'));
const file = join(dir, 'config', 'shop.yaml');
writeFileSync(file, config(upstream.url, 'none'));
const dev = await runDev(devOptions(dir));
const base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
const { consumerKey, consumerSecret } = dev.credentials.reveal('shop/shopper', 'default')!;

async function status(headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${base}/orders/v1/x`, { headers });
  await res.arrayBuffer();
  return res.status;
}

async function until(what: string, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
  }
  return performance.now() - start;
}

async function accessToken(): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const results: Array<{ change: string; credential: string; ms: number[] }> = [];
for (const change of ['revoke', 'unsubscribe'] as const) {
  for (const credential of ['api key', 'access token'] as const) {
    const ms: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      writeFileSync(file, config(upstream.url, 'none'));
      await until('access back', async () => (await status({ apikey: consumerKey })) === 200);
      const headers: Record<string, string> = credential === 'api key' ? { apikey: consumerKey } : { authorization: `Bearer ${await accessToken()}` };
      if ((await status(headers)) !== 200) throw new Error(`the ${credential} is not accepted before the change`);
      const start = performance.now();
      writeFileSync(file, config(upstream.url, change));
      const refused = change === 'revoke' ? 401 : 403;
      await until(`a ${refused}`, async () => (await status(headers)) === refused);
      ms.push(performance.now() - start);
    }
    results.push({ change, credential, ms });
  }
}
await dev.close();
await upstream.close();
rmSync(dir, { recursive: true, force: true });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
console.log(`revocation in dev mode: file write -> first refusal, ${TRIES} tries each`);
console.log('change        credential     p50 ms   p95 ms   max ms   p95 vs api key');
const baseline = new Map(results.filter((r) => r.credential === 'api key').map((r) => [r.change, pct(r.ms, 95)]));
for (const r of results) {
  const p95 = pct(r.ms, 95);
  console.log(
    `${r.change.padEnd(13)} ${r.credential.padEnd(14)} ${pct(r.ms, 50).toFixed(1).padStart(6)}   ${p95.toFixed(1).padStart(6)}   ${Math.max(...r.ms)
      .toFixed(1)
      .padStart(6)}   ${(p95 / baseline.get(r.change)!).toFixed(2)}`,
  );
}
const worst = Math.max(...results.map((r) => pct(r.ms, 95)));
console.log(`target: p95 <= 1000 ms (${worst <= 1000 ? 'met' : 'MISSED'}, worst p95 ${worst.toFixed(1)} ms)`);
