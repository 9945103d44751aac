import http, { type IncomingMessage } from 'node:http';
import type { Token } from '../../gateway/sources/token.ts';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { VERSION, type GatewayReport } from './gateway-report.ts';
import { LongPollWaiters } from './long-poll-waiters.ts';
import { bearerAuthoriser, sendJson } from './publisher-http.ts';
import { ReportBook } from './report-book.ts';
import { handleReportPost } from './report-intake.ts';
import { handleSnapshotPoll } from './snapshot-poll.ts';

// The server side of gateway/snapshot/PROTOCOL.md. It holds the latest snapshot
// and answers gateways' long polls; it knows nothing of what is inside a snapshot
// beyond its `version`, so it never imports the gateway or the compiler.

export interface PublishedSnapshot {
  version: string;
}

export { FORWARDED_BY_HEADER, type GatewayReport } from './gateway-report.ts';

export interface SnapshotPublisherOptions {
  port: number;
  host?: string;
  /** Bearer token gateways must present; absent: no authentication (loopback dev only). */
  token?: Token;
  /** Longest hold for one poll; a gateway's `wait` is capped to it. Default 60 s. */
  maxWaitSeconds?: number;
  /** Called whenever a replica's report changes. */
  onReport?: (report: GatewayReport) => void;
  /**
   * Called with every report a gateway sent this publisher itself (each poll, each
   * POST /v1/reports), changed or not; never with a forwarded one, so that a
   * replica forwarding what it receives cannot send reports round in a loop.
   */
  onReceived?: (report: GatewayReport) => void;
  /** What `GET /v1/portal-view` answers (the developer portal reads it); none: 503 until there is one. */
  portalView?: () => unknown;
}

export interface SnapshotPublisher {
  readonly port: number;
  /**
   * Makes `snapshot` the one gateways get; waiting polls are answered at once. `json`: its JSON
   * as UTF-8, when the caller has it (the operator's is made in pieces, twice as fast at 55 MB);
   * default `JSON.stringify`.
   */
  publish(snapshot: PublishedSnapshot, json?: Uint8Array): void;
  currentVersion(): string | undefined;
  /** One entry per replica that has polled or reported, oldest first. */
  reports(): GatewayReport[];
  close(): Promise<void>;
}

export async function createSnapshotPublisher(options: SnapshotPublisherOptions): Promise<SnapshotPublisher> {
  const book = new ReportBook(options);
  const polls = new LongPollWaiters(options.maxWaitSeconds ?? 60);
  const server = http.createServer(publisherRoutes(bearerAuthoriser(options.token), book, polls, options.portalView));
  // Long polls outlive Node's default request timeout bookkeeping only if it is off.
  server.requestTimeout = 0;
  server.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    publish(snapshot, json) {
      if (!VERSION.test(snapshot.version)) throw new Error(`cannot publish a snapshot without a sha256 version (got ${String(snapshot.version)})`);
      polls.publish(snapshot.version, json ?? Buffer.from(JSON.stringify(snapshot)));
    },
    currentVersion: () => polls.currentVersion(),
    reports: () => book.list(),
    close: () =>
      new Promise<void>((resolve) => {
        polls.releaseAll();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function publisherRoutes(
  authorised: (req: IncomingMessage) => boolean,
  book: ReportBook,
  polls: LongPollWaiters,
  portalView?: () => unknown,
): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://publisher.invalid');
    if (!authorised(req)) return sendJson(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer realm="tollgate-publisher"' });
    if (url.pathname === '/v1/snapshot' && req.method === 'GET') return handleSnapshotPoll(req, res, url, book, polls);
    if (url.pathname === '/v1/reports' && req.method === 'POST') return handleReportPost(req, res, book);
    if (url.pathname === '/v1/reports' && req.method === 'GET') return sendJson(res, 200, { version: polls.currentVersion() ?? null, reports: book.list() });
    if (url.pathname === '/v1/portal-view' && req.method === 'GET') {
      const view = portalView?.();
      return view === undefined ? sendJson(res, 503, { error: 'no portal view yet' }, { 'retry-after': '1' }) : sendJson(res, 200, view);
    }
    return sendJson(res, 404, { error: 'not found' });
  };
}
