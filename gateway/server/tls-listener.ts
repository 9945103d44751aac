import { once } from 'node:events';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { answerClientError } from './client-error.ts';
import type { Connections } from './connections.ts';
import type { ProxyServerOptions } from './proxy-server.ts';
import type { RequestHandler } from './request-handler.ts';
import { contextFor, loadTlsMaterial, type TlsMaterial } from './tls-certificates.ts';

export interface TlsListenerOptions {
  port: number;
  /** Directories holding `tls.crt` and `tls.key`; the first is the default certificate. */
  certDirs: string[];
  /** PEM bundle of the CAs that sign client certificates; without it only fingerprint-pinned client certificates identify anyone. */
  clientCa?: string;
}

export interface TlsListener {
  server: https.Server;
  /** Reads the certificates again (also done on every change in their directories). */
  reload(): boolean;
  close(): Promise<void>;
}

/**
 * The HTTPS proxy port: the same handler as the plain one, with certificates reloaded
 * when their files change (a rotated Secret) and SNI across them, without a restart.
 * A certificate that cannot be read leaves the current ones in use.
 */
export async function listenTls(
  options: TlsListenerOptions,
  base: ProxyServerOptions,
  handler: RequestHandler,
  connections: Connections,
  logger: Logger,
): Promise<TlsListener> {
  let material: TlsMaterial = loadTlsMaterial(options.certDirs, options.clientCa);
  const server = https.createServer(
    {
      ...material.serverOptions,
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (name, done) => done(null, contextFor(material, name)),
      maxHeaderSize: base.maxHeaderBytes,
      keepAliveTimeout: base.keepAliveTimeoutMs,
      headersTimeout: base.headersTimeoutMs,
      requestTimeout: base.requestTimeoutMs,
    },
    (req, res) => handler.onRequest(req, res),
  );
  server.on('upgrade', (req, socket, head) => handler.onUpgrade(req, socket as Socket, head));
  server.on('secureConnection', (socket: TLSSocket) => connections.opened(socket));
  server.on('tlsClientError', () => {
    // A failed handshake has no request to answer; the client sees the alert.
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => answerClientError(connections, err, socket));
  const reload = (): boolean => {
    try {
      material = loadTlsMaterial(options.certDirs, options.clientCa);
      server.setSecureContext({ ...material.serverOptions });
      logger.info({ certificates: options.certDirs.length }, 'TLS certificates loaded');
      return true;
    } catch (err) {
      logger.error({ err }, 'TLS certificates could not be read; the current ones stay in use');
      return false;
    }
  };
  const watched = [...options.certDirs, ...(options.clientCa ? [path.dirname(options.clientCa)] : [])];
  const watcher: FSWatcher = watch(watched, { ignoreInitial: true, atomic: true, depth: 1 });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 50);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  server.listen(options.port, base.host);
  await once(server, 'listening');
  return {
    server,
    reload,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
