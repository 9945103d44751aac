import { startAdminServer as startSharedAdminServer, type AdminServer } from '../admin/admin-server.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';

export interface AdminStatus {
  ready: boolean;
  version: string | undefined;
  draining: boolean;
}

/** The gateway's probes on the shared admin server: JSON bodies that name the version it serves. */
export function startAdminServer(options: { port: number; host: string; metrics: GatewayMetrics; status: () => AdminStatus }): Promise<AdminServer> {
  return startSharedAdminServer({
    port: options.port,
    host: options.host,
    registry: options.metrics.registry,
    health: () => ({ ok: true, body: { status: 'ok' } }),
    ready: () => {
      const status = options.status();
      return {
        ok: status.ready,
        body: { status: status.ready ? 'ready' : status.draining ? 'draining' : 'waiting for a first snapshot', version: status.version ?? null },
      };
    },
  });
}
