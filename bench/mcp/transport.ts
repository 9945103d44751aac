// bench/mcp/transport: why the gateway answers MCP's JSON-RPC itself. The same
// tools/list (20 tools) over 127.0.0.1, side by side: the official SDK's Server and
// StreamableHTTPServerTransport made per request (stateless, as a gateway that
// authorises each POST on its own must), and gateway/mcp/json-rpc.ts. Bounded; stops by itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { serveJsonRpc } from '../../gateway/mcp/json-rpc.ts';
import { measureCalls } from './measure-calls.ts';

const N = Number(process.env.BENCH_TRIES ?? 400);
const TOOLS: Tool[] = Array.from({ length: 20 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Tool number ${i}`,
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}));

const sdk = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
  const server = new Server({ name: 'bench', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  res.once('close', () => void server.close());
  await server.connect(transport);
  await transport.handleRequest(req, res);
};
const hand = (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => serveJsonRpc(req, res, async () => ({ tools: TOOLS }));

async function run(name: string, handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) {
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const once = async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    const body = (await res.json()) as { result?: { tools: unknown[] } };
    if (body.result?.tools.length !== 20) throw new Error(`${name}: ${JSON.stringify(body)}`);
  };
  const result = await measureCalls(name, N, once);
  server.close();
  server.closeAllConnections();
  return result;
}

const base = await run('SDK Server + transport per request', sdk);
const own = await run('gateway/mcp/json-rpc.ts', hand);
console.log(`MCP tools/list, 20 tools (${N} requests each, sequential)`);
console.log('                                        p50 ms   p99 ms   CPU µs/request');
for (const r of [base, own])
  console.log(`  ${r.name.padEnd(38)}${r.p50.toFixed(2).padStart(7)}${r.p99.toFixed(2).padStart(9)}${Math.round(r.cpuUs).toString().padStart(17)}`);
console.log(
  `  ratio                                 ${(own.p50 / base.p50).toFixed(2).padStart(7)}${(own.p99 / base.p99).toFixed(2).padStart(9)}${(own.cpuUs / base.cpuUs).toFixed(2).padStart(17)}`,
);
