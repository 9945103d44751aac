// bench/mcp: what an agent's path costs next to a plain client's, side by side, in
// dev mode on 127.0.0.1 (everything in this process, bounded, stops by itself):
// - an MCP tools/call (the official SDK client, stateless Streamable HTTP; the
//   gateway turns it into the same GET and sends that through its own steps)
//   against that GET sent directly;
// - a streamed LLM answer through an API of type llm with token quotas (usage read
//   from the stream, counted at its end) against the same stream through a plain API.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { runDev } from '../../dev/run-dev.ts';
import { startUpstream } from '../../test/gateway/fixtures.ts';
import { startFakeProvider } from '../../test/llm/fake-provider.ts';
import { devOptions } from '../../test/support/dev-options.ts';
import { measureCalls, type Result } from './measure-calls.ts';

const N = Number(process.env.BENCH_TRIES ?? 400);

const estate = (upstream: string, provider: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: weather, namespace: bench }
spec:
  context: /weather
  version: v1
  upstream: { urls: ['${upstream}'] }
  operations: [{ path: '/current/{city}', methods: [GET] }]
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: llm, namespace: bench }
spec:
  context: /llm
  version: v1
  type: llm
  llm: { provider: openai }
  upstream: { urls: ['${provider}/v1'] }
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: plain, namespace: bench }
spec:
  context: /plain
  version: v1
  upstream: { urls: ['${provider}/v1'] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: all, namespace: bench }
spec:
  access: public
  operations: [{ api: weather, paths: [/] }, { api: llm, paths: [/] }, { api: plain, paths: [/] }]
  quota: { limit: 1000000, timeUnit: day }
  tokenQuotas: [{ tokens: total, limit: 1000000000, timeUnit: day }]
  mcp: { enabled: true }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: agent, namespace: bench }
spec:
  owner: { email: bench@example.com }
  credentials: [{ name: default }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: agent-all, namespace: bench }
spec: { application: agent, product: { name: all } }
`;

/** Runs `once` N times after a warm-up: latency percentiles, and this process's CPU per call (client, gateway and upstream are all in it). */
const measure = (name: string, once: () => Promise<void>): Promise<Result> => measureCalls(name, N, once);

function table(title: string, baseline: Result, other: Result): void {
  console.log(`\n${title} (${N} calls each, sequential)`);
  console.log('                                        p50 ms   p99 ms   CPU µs/call');
  for (const r of [baseline, other])
    console.log(`  ${r.name.padEnd(38)}${r.p50.toFixed(2).padStart(7)}${r.p99.toFixed(2).padStart(9)}${Math.round(r.cpuUs).toString().padStart(14)}`);
  console.log(
    `  ratio                                 ${(other.p50 / baseline.p50).toFixed(2).padStart(7)}${(other.p99 / baseline.p99).toFixed(2).padStart(9)}${(other.cpuUs / baseline.cpuUs).toFixed(2).padStart(14)}`,
  );
}

const upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"city":"Oslo","temperatureC":14}'));
const provider = await startFakeProvider();
const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-mcp-'));
mkdirSync(join(dir, 'config'));
writeFileSync(join(dir, 'config', 'bench.yaml'), estate(upstream.url, provider.url));
const dev = await runDev(devOptions(dir, { logger: pino({ level: 'silent' }) }));
const base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
const key = dev.credentials.reveal('bench/agent', 'default')!.consumerKey;
try {
  const direct = await measure('GET /weather/v1/current/Oslo', async () => {
    const res = await fetch(`${base}/weather/v1/current/Oslo`, { headers: { apikey: key } });
    if (res.status !== 200) throw new Error(`direct: ${res.status}`);
    await res.arrayBuffer();
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { apikey: key } } }));
  const viaMcp = await measure('MCP tools/call get_current_by_city', async () => {
    const r = await client.callTool({ name: 'get_current_by_city', arguments: { city: 'Oslo' } });
    if (r.isError) throw new Error(`mcp: ${JSON.stringify(r.content)}`);
  });
  await client.close();
  table('MCP tool call vs the same request sent directly', direct, viaMcp);

  const chat = (api: string) => async () => {
    const res = await fetch(`${base}/${api}/v1/chat/completions`, {
      method: 'POST',
      headers: { apikey: key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-fake', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    if (res.status !== 200) throw new Error(`${api}: ${res.status}`);
    await res.arrayBuffer();
  };
  table(
    'streamed LLM answer: token quota counted from the stream vs a plain API',
    await measure('plain API, same stream', chat('plain')),
    await measure('type llm, token quota', chat('llm')),
  );
} finally {
  await dev.close();
  await upstream.close();
  await provider.close();
  rmSync(dir, { recursive: true, force: true });
}
