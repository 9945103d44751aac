import net from 'node:net';
import type { Logger } from 'pino';
import type { AdminServer } from '../admin/admin-server.ts';
import type { ExchangeSinks } from '../http/exchange.ts';
import { mcpUpstreams } from '../mcp/upstream-mcp.ts';
import type { Forwarder } from '../proxy/forwarder.ts';
import type { RuntimeCaches } from '../runtime/runtime-snapshot.ts';
import { type Connections, sleep } from './connections.ts';
import type { ServingState } from './serving-state.ts';
import type { UsageRecorder } from '../usage/usage-recorder.ts';
import type { PolicyServices } from '../policies/policy-services.ts';
import type { TlsListener } from './tls-listener.ts';
import type { SnapshotPersister } from './snapshot-persistence.ts';

/** What a running gateway holds that its graceful close must stop, in the order it stops them. */
export interface GatewayParts {
  state: ServingState;
  logger: Logger;
  server: net.Server;
  connections: Connections;
  exchanges: ExchangeSinks;
  forwarder: Forwarder;
  admin: AdminServer;
  caches: RuntimeCaches;
  persister: SnapshotPersister | undefined;
  usage: UsageRecorder | undefined;
  /** The HTTPS listener, when there is one, and what the policies hold (watchers). */
  tls?: TlsListener | undefined;
  policies?: PolicyServices;
}

export interface ShutdownTiming {
  /** How long to keep serving (readiness already failing) before the listener stops; default 0. */
  shutdownDelayMs?: number;
  /** How long in-flight requests may take before their connections are cut; default 30 s. */
  drainTimeoutMs?: number;
}

/** Readiness fails, in-flight requests finish, then everything the gateway holds is released. */
export async function shutDownGateway(parts: GatewayParts, timing: ShutdownTiming): Promise<void> {
  const { state, logger, server, connections } = parts;
  state.draining = true;
  logger.info({ delayMs: timing.shutdownDelayMs ?? 0 }, 'draining');
  if (timing.shutdownDelayMs) await sleep(timing.shutdownDelayMs);
  // Stop accepting, but let each connection finish as Connections.drain says.
  const servers: net.Server[] = parts.tls ? [server, parts.tls.server] : [server];
  const stopped = Promise.all(servers.map((s) => new Promise<void>((resolve) => net.Server.prototype.close.call(s, () => resolve()))));
  await connections.drain(timing.drainTimeoutMs ?? 30_000);
  await stopped;
  parts.exchanges.flush();
  // Every request has finished: the usage of all of them, the minute under way included, goes to the store.
  if (parts.usage && !(await parts.usage.close())) logger.error('usage store did not take the last usage before the drain timeout; it is lost');
  parts.forwarder.close();
  await parts.admin.close();
  await parts.caches.clients.destroy();
  // Sessions with MCP upstreams are made again on demand: closing them costs another gateway in this process nothing.
  await mcpUpstreams.close();
  await parts.persister?.flush();
  await parts.tls?.close();
  await parts.policies?.secrets.close();
  logger.info('closed');
}
