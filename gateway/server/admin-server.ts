import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';

export interface AdminStatus {
  ready: boolean;
  version: string | undefined;
  draining: boolean;
}

/** The admin port: metrics and probes, kept off the proxy port so that no API route can shadow them. */
export async function startAdminServer(options: {
  port: number;
  host: string;
  metrics: GatewayMetrics;
  status: () => AdminStatus;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    switch (path) {
      case '/healthz':
        return json(200, { status: 'ok' });
      case '/readyz': {
        const status = options.status();
        return json(status.ready ? 200 : 503, {
          status: status.ready ? 'ready' : status.draining ? 'draining' : 'waiting for a first snapshot',
          version: status.version ?? null,
        });
      }
      case '/metrics':
        options.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
            res.end(text);
          },
          (err: unknown) => json(500, { error: String(err) }),
        );
        return;
      default:
        return json(404, { error: 'not found' });
    }
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
