// Item 3 of issue 19: an existing MCP server behind an API of type mcp, exposed
// through a product's per-tool allow list, with the same key, subscription and quota.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDev, type DevServer } from '../../dev/run-dev.ts';
import { devOptions } from '../support/dev-options.ts';

/** A stateful MCP server (sessions, as most are) with three tools, of which the product allows one. */
async function startMcpServer(): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const session = req.headers['mcp-session-id'];
    let transport = typeof session === 'string' ? transports.get(session) : undefined;
    if (!transport) {
      if (session !== undefined) return void res.writeHead(404).end();
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      const mcp = new McpServer({ name: 'upstream', version: '1' });
      mcp.registerTool('echo', { description: 'Echoes the text.', inputSchema: { text: z.string() } }, ({ text }, extra) => {
        calls.push(`echo ${text} ${String(extra.requestInfo?.headers['x-tollgate-application'])}`);
        return { content: [{ type: 'text', text: `echo: ${text}` }] };
      });
      mcp.registerTool('drop_tables', { description: 'Drops every table.', annotations: { destructiveHint: true } }, () => {
        calls.push('drop_tables');
        return { content: [{ type: 'text', text: 'dropped' }] };
      });
      mcp.registerTool('read_secrets', { description: 'Reads secrets.' }, () => {
        calls.push('read_secrets');
        return { content: [{ type: 'text', text: 'hunter2' }] };
      });
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  };
  const server = http.createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const estate = (upstream: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: tools, namespace: platform }
spec:
  context: /tools
  version: v1
  type: mcp
  upstream: { urls: ['${upstream}'] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: tools, namespace: platform }
spec:
  access: public
  operations: [{ api: tools, paths: [/], methods: [POST] }]
  quota: { limit: 2, timeUnit: day }
  mcp:
    enabled: true
    tools:
      - { api: tools, tool: echo, name: say, description: Say something back. }
      - { api: tools, tool: drop_tables, enabled: false }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: agent, namespace: team }
spec:
  owner: { email: agent@example.com }
  credentials: [{ name: default }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: agent-tools, namespace: team }
spec:
  application: agent
  product: { name: tools, namespace: platform }
`;

let dir: string;
let dev: DevServer;
let upstream: Awaited<ReturnType<typeof startMcpServer>>;

beforeAll(async () => {
  upstream = await startMcpServer();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-mcp-upstream-'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'tools.yaml'), estate(upstream.url));
  dev = await runDev(devOptions(dir));
});

afterAll(async () => {
  await dev?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an MCP server behind an API of type mcp', () => {
  it('shows and calls only the allowed tools, under the product names, counted by the product quota', async () => {
    const key = dev.credentials.reveal('team/agent', 'default')!.consumerKey;
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${dev.gateway.proxyPort}/mcp`), { requestInit: { headers: { apikey: key } } }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['say']);
    expect(tools[0]).toMatchObject({ description: 'Say something back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } });

    const said = await client.callTool({ name: 'say', arguments: { text: 'hello' } });
    expect(said.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
    // It reached the server as a request through the gateway, carrying the application's identity.
    expect(upstream.calls).toEqual(['echo hello team/agent']);

    await expect(client.callTool({ name: 'read_secrets', arguments: {} })).rejects.toThrow(/Unknown tool: read_secrets/);
    await expect(client.callTool({ name: 'drop_tables', arguments: {} })).rejects.toThrow(/Unknown tool: drop_tables/);

    // The server cannot be reached around the allow list, with the same key.
    const direct = await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/tools/v1`, {
      method: 'POST',
      headers: { apikey: key, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_secrets', arguments: {} } }),
    });
    expect(direct.status).toBe(404);

    // Quota 2 a day: the second call passes, the third is refused by the gateway, not the server.
    expect((await client.callTool({ name: 'say', arguments: { text: 'again' } })).isError).toBeFalsy();
    const third = await client.callTool({ name: 'say', arguments: { text: 'too many' } });
    expect(third.isError).toBe(true);
    expect((third.content as Array<{ text: string }>)[0]!.text).toMatch(/^HTTP 429/);
    expect(upstream.calls).toEqual(['echo hello team/agent', 'echo again team/agent']);
    await client.close();
  });
});
