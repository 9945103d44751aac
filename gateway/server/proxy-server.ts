import http from 'node:http';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { answerClientError } from './client-error.ts';
import type { Connections } from './connections.ts';
import type { RequestHandler } from './request-handler.ts';

/** How often Node looks for requests past their header or request timeout (its default, 30 s, would let them run that much longer). */
const TIMEOUT_CHECK_MS = 500;

export interface ProxyServerOptions {
  port: number;
  host: string;
  maxHeaderBytes: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** The proxy port, listening: requests and upgrades to the handler, parser errors answered, connections tracked. */
export async function listenProxy(options: ProxyServerOptions, handler: RequestHandler, connections: Connections): Promise<http.Server> {
  const server = http.createServer(
    {
      maxHeaderSize: options.maxHeaderBytes,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    (req, res) => handler.onRequest(req, res),
  );
  server.on('upgrade', (req, socket, head) => handler.onUpgrade(req, socket as Socket, head));
  server.on('connection', (socket: Socket) => connections.opened(socket));
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => answerClientError(connections, err, socket));
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return server;
}
