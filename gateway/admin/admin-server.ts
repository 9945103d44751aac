import http, { type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

// The admin port of every Tollgate process (gateway, operator, dev mode): probes
// and metrics, kept off any port that serves user traffic. It lives under gateway/
// because the gateway may import nothing from operator/, cli/ or dev/, while
// those may import it; it knows nothing of either.

/** What a probe says: `body` goes out as plain text when a string, else as JSON. */
export interface ProbeAnswer {
  ok: boolean;
  body: unknown;
}

export interface AdminServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** /healthz: 200 when ok, else 503. */
  health: () => ProbeAnswer;
  /** /readyz: 200 when ok, else 503. */
  ready: () => ProbeAnswer;
  /** More read-only endpoints by path, each answered 200 with its value as JSON. */
  json?: Record<string, () => unknown | Promise<unknown>>;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    if (path === '/healthz') return answer(res, options.health());
    if (path === '/readyz') return answer(res, options.ready());
    if (path === '/metrics') {
      return void options.registry.metrics().then(
        (text) => send(res, 200, text, options.registry.contentType),
        (err: unknown) => send(res, 500, { error: String(err) }),
      );
    }
    const endpoint = options.json && Object.hasOwn(options.json, path) ? options.json[path] : undefined;
    if (!endpoint) return send(res, 404, { error: 'not found' });
    Promise.resolve()
      .then(endpoint)
      .then(
        (value) => send(res, 200, value),
        (err: unknown) => send(res, 500, { error: String(err) }),
      );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(res: ServerResponse, probe: ProbeAnswer): void {
  send(res, probe.ok ? 200 : 503, probe.body);
}

function send(res: ServerResponse, status: number, body: unknown, contentType?: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'),
    'cache-control': 'no-store',
  });
  res.end(text);
}
