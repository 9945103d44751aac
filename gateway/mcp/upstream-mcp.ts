import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Api } from '../snapshot/types.ts';

/** How long an MCP upstream's tool list is trusted before it is asked again. */
const TOOLS_TTL_MS = 60_000;

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
  tools?: { list: Tool[]; at: number };
}

/**
 * The gateway's own session with an MCP server behind an API of type mcp: for its
 * tool list (names, descriptions, schemas, to show the allowed ones) and the session
 * id its `tools/call` requests carry. Those requests go through the gateway's steps
 * like any other; this session only does the handshake and discovery, which no
 * application is charged for. One per API and upstream URL, made on first use.
 */
export class McpUpstreams {
  readonly #connections = new Map<string, Promise<Connection>>();

  async tools(api: Api, now: number): Promise<Tool[]> {
    const connection = await this.#connection(api);
    if (connection.tools && now - connection.tools.at < TOOLS_TTL_MS) return connection.tools.list;
    try {
      const { tools } = await connection.client.listTools();
      connection.tools = { list: tools, at: now };
      return tools;
    } catch (err) {
      this.#forget(api);
      throw err;
    }
  }

  /** The headers a `tools/call` through the gateway carries so that the upstream knows its session. */
  async sessionHeaders(api: Api): Promise<Record<string, string>> {
    const { transport } = await this.#connection(api);
    const headers: Record<string, string> = {};
    if (transport.sessionId !== undefined) headers['mcp-session-id'] = transport.sessionId;
    if (transport.protocolVersion !== undefined) headers['mcp-protocol-version'] = transport.protocolVersion;
    return headers;
  }

  /** After the upstream lost the session (a 404 to a call): the next use starts a new one. */
  forget(api: Api): void {
    this.#forget(api);
  }

  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.allSettled(all.map(async (c) => (await c).client.close()));
  }

  #connection(api: Api): Promise<Connection> {
    const key = `${api.id} ${api.upstream.urls[0]}`;
    let pending = this.#connections.get(key);
    if (!pending) {
      pending = connect(api);
      this.#connections.set(key, pending);
      pending.catch(() => this.#connections.delete(key));
    }
    return pending;
  }

  #forget(api: Api): void {
    const key = `${api.id} ${api.upstream.urls[0]}`;
    const pending = this.#connections.get(key);
    this.#connections.delete(key);
    void pending?.then((c) => c.client.close()).catch(() => {});
  }
}

async function connect(api: Api): Promise<Connection> {
  const client = new Client({ name: 'tollgate-gateway', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(api.upstream.urls[0]!));
  await client.connect(transport, { timeout: api.upstream.timeoutMs });
  return { client, transport };
}

/** One per process: sessions with MCP upstreams outlive snapshots, as upstream connection pools do. */
export const mcpUpstreams = new McpUpstreams();
