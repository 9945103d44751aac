// The Bar of issue 19, with the official MCP SDK's client against `tollgate dev`
// serving examples/weather-mcp: an agent is an application with a key, a
// subscription, a quota and an audit trail.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDev, type DevServer } from '../../dev/run-dev.ts';
import { startUpstream, type Upstream } from '../gateway/fixtures.ts';
import { openUsageDatabase } from '../../usage/open-database.ts';
import { devOptions } from '../support/dev-options.ts';
import { waitFor } from '../support/wait.ts';

const example = new URL('../../examples/weather-mcp/weather-mcp.yaml', import.meta.url).pathname;

/** examples/weather-mcp, its upstream moved to the test's, a daily quota of 3 tool calls, and a second agent on the alerts product. */
function estate(upstream: string): string {
  return (
    readFileSync(example, 'utf8')
      .replaceAll('http://127.0.0.1:8081', upstream)
      .replace('quota: { limit: 100, timeUnit: day }', 'quota: { limit: 3, timeUnit: day }') +
    `---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: alert-agent, namespace: weather-team }
spec:
  owner: { email: alerts@example.com }
  credentials: [{ name: default }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: alert-agent-weather-alerts, namespace: weather-team }
spec:
  application: alert-agent
  product: { name: weather-alerts, namespace: platform }
`
  );
}

let dir: string;
let dev: DevServer;
let upstream: Upstream;
const logged: any[] = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res, seen) => {
    const city = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    const body = JSON.stringify(req.url?.startsWith('/current/') ? { city, temperatureC: 14, app: seen.headers['x-tollgate-application'] } : { url: req.url });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  dir = mkdtempSync(join(tmpdir(), 'tollgate-mcp-'));
  cpSync(example, join(dir, 'config', 'weather-mcp.yaml'));
  writeFileSync(join(dir, 'config', 'weather-mcp.yaml'), estate(upstream.url));
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n')) if (line) logged.push(JSON.parse(line));
      done();
    },
  });
  dev = await runDev(devOptions(dir, { logger: pino({ level: 'info' }, sink), usageDatabase: `pglite:${join(dir, 'usage')}`, usageFlushIntervalMs: 200 }));
});

afterAll(async () => {
  await dev?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The usage ledger's tool calls (dev closed first: PGlite is one process's at a time). */
async function ledgerTools(): Promise<Array<{ application: string; tool: string; requests: number; billable: number; refused: number }>> {
  await dev.close();
  const db = await openUsageDatabase(`pglite:${join(dir, 'usage')}`);
  try {
    const { rows } = await db.query(
      "SELECT application, tool, sum(requests)::int AS requests, sum(billable)::int AS billable, sum(refused)::int AS refused FROM usage_minute WHERE tool <> '' AND api = 'platform/weather' GROUP BY application, tool ORDER BY application, tool",
    );
    return rows as Array<{ application: string; tool: string; requests: number; billable: number; refused: number }>;
  } finally {
    await db.close();
  }
}

const key = (app: string) => dev.credentials.reveal(`weather-team/${app}`, 'default')!.consumerKey;

async function connect(app: string, path = '/mcp'): Promise<Client> {
  const client = new Client({ name: 'bar-test', version: '1' });
  const url = new URL(`http://127.0.0.1:${dev.gateway.proxyPort}${path}`);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { apikey: key(app) } } }));
  return client;
}

const requests = () => logged.filter((l) => l.msg === 'request');

describe('MCP tools from API products, with the official SDK client', () => {
  it('lists only the subscribed operations, calls them through every step, refuses the rest, counts and logs each call', async () => {
    const agent = await connect('forecast-agent');
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name)).toEqual(['current_weather', 'forecast']);
    expect(tools[0]).toMatchObject({
      description: 'The weather in a city right now.',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      annotations: { readOnlyHint: true, destructiveHint: false },
    });

    const answer = await agent.callTool({ name: 'current_weather', arguments: { city: 'Oslo' } });
    expect(answer.isError).toBe(false);
    expect(JSON.parse((answer.content as Array<{ text: string }>)[0]!.text)).toEqual({ city: 'Oslo', temperatureC: 14, app: 'weather-team/forecast-agent' });
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'GET', url: '/current/Oslo' });
    // The key went upstream as little as from any client: never.
    expect(JSON.stringify(upstream.seen.at(-1)!.headers)).not.toContain(key('forecast-agent'));

    // raise_alert is in another product, which this agent does not subscribe to.
    const seen = upstream.seen.length;
    await expect(agent.callTool({ name: 'raise_alert', arguments: { body: { city: 'Oslo' } } })).rejects.toThrow(McpError);
    await expect(agent.callTool({ name: 'raise_alert', arguments: {} })).rejects.toThrow(/Unknown tool: raise_alert/);
    expect(upstream.seen.length).toBe(seen);

    // The daily quota is 3 calls: two more pass, the fourth is refused by the quota step.
    await agent.callTool({ name: 'forecast', arguments: { city: 'Bergen' } });
    await agent.callTool({ name: 'current_weather', arguments: { city: 'Tromsø' } });
    const over = await agent.callTool({ name: 'current_weather', arguments: { city: 'Oslo' } });
    expect(over.isError).toBe(true);
    expect((over.content as Array<{ text: string }>)[0]!.text).toMatch(/^HTTP 429: .*quota-exceeded/);
    expect(upstream.seen.length).toBe(seen + 2);
    await agent.close();

    // The access log: each tool call is a request of its own, naming the tool, the application and the product.
    await waitFor('the tool calls in the access log', () => requests().filter((l) => l.tool && l.api === 'platform/weather' && l.status === 429).length === 1);
    const calls = requests().filter((l) => l.api === 'platform/weather');
    expect(calls.map((l) => [l.tool, l.status, l.path])).toEqual([
      ['current_weather', 200, '/weather/v1/current/Oslo'],
      ['forecast', 200, '/weather/v1/forecast/Bergen'],
      ['current_weather', 200, '/weather/v1/current/Troms%C3%B8'],
      ['current_weather', 429, '/weather/v1/current/Oslo'],
    ]);
    for (const l of calls) expect(l).toMatchObject({ application: 'weather-team/forecast-agent', product: 'platform/weather-agents' });
    expect(requests().filter((l) => l.api === 'tollgate/mcp' && l.tool === 'raise_alert')).toHaveLength(0);
  });
});

async function token(app: string, scope: string): Promise<string> {
  const { consumerKey, consumerSecret } = dev.credentials.reveal(`weather-team/${app}`, 'default')!;
  const res = await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function connectWithToken(bearer: string, path: string): Promise<Client> {
  const client = new Client({ name: 'bar-test', version: '1' });
  const url = new URL(`http://127.0.0.1:${dev.gateway.proxyPort}${path}`);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
  return client;
}

describe('write-capable tools and OAuth2', () => {
  it('points a caller without credentials at the protected-resource metadata, which names the token service', async () => {
    const base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
    const refused = await fetch(`${base}/mcp/platform/weather-alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get('www-authenticate')!;
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
    expect(metadataUrl).toBe(`${base}/.well-known/oauth-protected-resource/mcp/platform/weather-alerts`);
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    const issuer = dev.last()!.snapshot.tokens!.issuer;
    expect(metadata).toMatchObject({ resource: `${base}/mcp/platform/weather-alerts`, authorization_servers: [issuer], bearer_methods_supported: ['header'] });
    expect(metadata['scopes_supported']).toEqual(['alerts:write', 'weather:read']);
  });

  it('shows a destructive tool only to a token with the write scope, and its call is the POST a client would send', async () => {
    // With an API key (no scopes) the write tool is hidden, the read tools are not.
    const byKey = await connect('alert-agent', '/mcp/platform/weather-alerts');
    expect((await byKey.listTools()).tools.map((t) => t.name)).toEqual(['get_current_by_city', 'get_forecast_by_city']);
    await byKey.close();

    const reader = await connectWithToken(await token('alert-agent', 'weather:read'), '/mcp/platform/weather-alerts');
    expect((await reader.listTools()).tools.map((t) => t.name)).not.toContain('raise_alert');
    await reader.close();

    const writer = await connectWithToken(await token('alert-agent', 'weather:read alerts:write'), '/mcp/platform/weather-alerts');
    const alert = (await writer.listTools()).tools.find((t) => t.name === 'raise_alert');
    expect(alert?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    const done = await writer.callTool({ name: 'raise_alert', arguments: { body: { city: 'Oslo', level: 'red' } } });
    expect(done.isError).toBe(false);
    const sent = upstream.seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/alerts', body: '{"city":"Oslo","level":"red"}' });
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    await writer.close();
  });

  it('refuses a product endpoint to an application that does not subscribe to it', async () => {
    const refused = await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/mcp/platform/weather-alerts`, {
      method: 'POST',
      headers: { apikey: key('forecast-agent'), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('not-subscribed');
  });
});

describe('bad input to an MCP endpoint', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/mcp`, {
      method: 'POST',
      headers: { apikey: key('forecast-agent'), 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body,
    });

  it.each([
    ['not JSON', '{"jsonrpc":'],
    ['not JSON-RPC', '[1, 2, 3]'],
    ['an unknown method', '{"jsonrpc":"2.0","id":1,"method":"tools/destroy"}'],
  ])('answers %s with a JSON-RPC error, not a crash', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBeLessThan(500);
    const answer = (await res.json()) as { error?: { code: number } } | Array<{ error?: { code: number } }>;
    expect((Array.isArray(answer) ? answer[0] : answer)?.error?.code).toBeLessThan(0);
  });

  it('refuses GET (no server-sent stream in stateless mode) with 405', async () => {
    const res = await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/mcp`, { headers: { apikey: key('forecast-agent'), accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('turns a missing or ambiguous path parameter into an error result, and never a request elsewhere', async () => {
    const client = await connect('forecast-agent');
    await expect(client.callTool({ name: 'forecast', arguments: {} })).rejects.toThrow(/argument city \(a path parameter\) is required/);
    await expect(client.callTool({ name: 'forecast', arguments: { city: '..' } })).rejects.toThrow(/may not be empty, \. or \.\./);
    const seen = upstream.seen.length;
    // An encoded slash is ambiguous: the gateway's canonicaliser refuses it as it would any client's.
    const slashed = await client.callTool({ name: 'forecast', arguments: { city: 'a/../../admin' } });
    expect(slashed.isError).toBe(true);
    expect((slashed.content as Array<{ text: string }>)[0]!.text).toMatch(/^HTTP 400/);
    expect(upstream.seen.length).toBe(seen);
    await client.close();
  });
});

describe('the usage ledger', () => {
  it('records each tool call under its tool, per application (the call through the API, not the MCP request that made it)', { timeout: 60_000 }, async () => {
    expect(await ledgerTools()).toEqual([
      { application: 'weather-team/alert-agent', tool: 'raise_alert', requests: 1, billable: 1, refused: 0 },
      { application: 'weather-team/forecast-agent', tool: 'current_weather', requests: 3, billable: 2, refused: 1 },
      { application: 'weather-team/forecast-agent', tool: 'forecast', requests: 1, billable: 1, refused: 0 },
    ]);
  });
});
