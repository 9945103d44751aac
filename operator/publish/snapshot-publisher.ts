import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

// The server side of gateway/snapshot/PROTOCOL.md. It holds the latest snapshot
// and answers gateways' long polls; it knows nothing of what is inside a snapshot
// beyond its `version`, so it never imports the gateway or the compiler.

export interface PublishedSnapshot {
  version: string;
}

export interface GatewayReport {
  replica: string;
  /** The version the replica serves; null before it has any. */
  applied: string | null;
  /** The last version it refused, while it still refuses it. */
  rejected?: string;
  errors?: string[];
  /** When this replica last polled or reported (RFC 3339), at the operator replica it reached. */
  at: string;
  /** The gateway's address as seen by the operator replica it reached. */
  address?: string;
  /** The operator replica that received this report and forwarded it here; absent when the gateway reached this one. */
  via?: string;
}

/** Names the sending operator replica on reports it forwards (see PROTOCOL.md, "Several operator replicas"). */
export const FORWARDED_BY_HEADER = 'x-tollgate-forwarded-by';

export interface SnapshotPublisherOptions {
  port: number;
  host?: string;
  /** Bearer token gateways must present; absent: no authentication (loopback dev only). */
  token?: string;
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
}

export interface SnapshotPublisher {
  readonly port: number;
  /** Makes `snapshot` the one gateways get; waiting polls are answered at once. */
  publish(snapshot: PublishedSnapshot): void;
  currentVersion(): string | undefined;
  /** One entry per replica that has polled or reported, oldest first. */
  reports(): GatewayReport[];
  close(): Promise<void>;
}

interface Waiter {
  have: Set<string>;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

const MAX_REPORT_BYTES = 256 * 1024;
const REPLICA = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;
const VERSION = /^sha256:[0-9a-f]{64}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export async function createSnapshotPublisher(options: SnapshotPublisherOptions): Promise<SnapshotPublisher> {
  const maxWait = options.maxWaitSeconds ?? 60;
  const tokenDigest = options.token === undefined ? undefined : digest(options.token);
  let current: { version: string; body: string } | undefined;
  const waiters = new Set<Waiter>();
  const reports = new Map<string, GatewayReport>();

  const store = (next: GatewayReport): void => {
    const previous = reports.get(next.replica);
    reports.set(next.replica, next);
    if (!previous || previous.applied !== next.applied || previous.rejected !== next.rejected) options.onReport?.(next);
  };
  // A report straight from a gateway: received now.
  const record = (report: Omit<GatewayReport, 'at'>): void => {
    const next: GatewayReport = { ...report, at: new Date().toISOString() };
    store(next);
    options.onReceived?.(next);
  };
  // A report another operator replica received: dated when that replica received
  // it, so a gateway polling a follower every 30 s stays live here. With `ageMs`
  // (how long ago, by the follower's clock) the date is taken on this clock, and
  // skew between the replicas' clocks does not count; without it, the follower's
  // `at` is used. An older one than what this publisher already has (the gateway
  // has since reached it directly, or a late batch) changes nothing; one dated in
  // the future counts as received now, or it would keep the gateway live too long.
  const recordForwarded = (report: GatewayReport, ageMs: number | undefined): void => {
    const now = Date.now();
    const at = Math.min(ageMs === undefined ? Date.parse(report.at) : now - ageMs, now);
    const previous = reports.get(report.replica);
    if (previous && Date.parse(previous.at) > at) return;
    store({ ...report, at: new Date(at).toISOString() });
  };

  const sendSnapshot = (res: ServerResponse): void => {
    res.writeHead(200, {
      'content-type': 'application/json',
      etag: `"${current!.version}"`,
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(current!.body),
    });
    res.end(current!.body);
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const authorised = (req: IncomingMessage): boolean => {
    if (!tokenDigest) return true;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('bearer ')) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), tokenDigest);
  };

  const onSnapshot = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const replica = url.searchParams.get('replica') ?? '';
    const applied = url.searchParams.get('applied');
    const rejected = url.searchParams.get('rejected');
    const waitParam = url.searchParams.get('wait');
    const wait = waitParam === null ? 30 : Number(waitParam);
    if (!REPLICA.test(replica)) return json(res, 400, { error: 'replica must be a name of 1-253 letters, digits, . _ : -' });
    if (applied !== null && !VERSION.test(applied)) return json(res, 400, { error: 'applied must be a snapshot version' });
    if (rejected !== null && !/^[\x21-\x7e]{1,128}$/.test(rejected)) return json(res, 400, { error: 'rejected is malformed' });
    if (!Number.isFinite(wait) || wait < 0) return json(res, 400, { error: 'wait must be a number of seconds' });

    const report: Omit<GatewayReport, 'at'> = { replica, applied };
    if (rejected !== null) report.rejected = rejected;
    const previous = reports.get(replica);
    if (previous?.errors && previous.rejected === rejected) report.errors = previous.errors;
    if (req.socket.remoteAddress) report.address = req.socket.remoteAddress;
    record(report);

    const have = new Set([applied, rejected].filter((v): v is string => v !== null));
    if (current && !have.has(current.version)) return sendSnapshot(res);
    if (wait === 0) return void res.writeHead(304).end();
    const waiter: Waiter = {
      have,
      res,
      timer: setTimeout(() => {
        waiters.delete(waiter);
        res.writeHead(304).end();
      }, Math.min(wait, maxWait) * 1000),
    };
    waiters.add(waiter);
    res.once('close', () => {
      clearTimeout(waiter.timer);
      waiters.delete(waiter);
    });
  };

  const onReport = (req: IncomingMessage, res: ServerResponse): void => {
    const forwardedBy = req.headers[FORWARDED_BY_HEADER];
    if (forwardedBy !== undefined && (typeof forwardedBy !== 'string' || !REPLICA.test(forwardedBy))) {
      return json(res, 400, { error: `${FORWARDED_BY_HEADER} must name the forwarding operator replica` });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) {
        json(res, 413, { error: 'report too large' }, { connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(res, 400, { error: 'the report must be JSON' });
      }
      if (body === null || typeof body !== 'object') return json(res, 400, { error: 'the report must be a JSON object' });
      if (forwardedBy === undefined) {
        const parsed = parseReport(body);
        if (typeof parsed === 'string') return json(res, 400, { error: parsed });
        if (req.socket.remoteAddress) parsed.address = req.socket.remoteAddress;
        record(parsed);
        return void res.writeHead(204).end();
      }
      // Forwarded by another operator replica: one report or {"reports": [...]},
      // each with the time and gateway address that replica saw. All or nothing.
      const list: unknown[] = Array.isArray(body.reports) ? body.reports : [body];
      const forwarded: Array<{ report: GatewayReport; ageMs: number | undefined }> = [];
      for (const [i, item] of list.entries()) {
        const parsed = item !== null && typeof item === 'object' ? parseReport(item as Record<string, unknown>) : 'not an object';
        if (typeof parsed === 'string') return json(res, 400, { error: `reports[${i}]: ${parsed}` });
        const { at, address, ageMs } = item as { at?: unknown; address?: unknown; ageMs?: unknown };
        if (typeof at !== 'string' || !RFC3339.test(at) || Number.isNaN(Date.parse(at))) return json(res, 400, { error: `reports[${i}]: at must be an RFC 3339 time` });
        if (ageMs !== undefined && (typeof ageMs !== 'number' || !Number.isFinite(ageMs) || ageMs < 0)) {
          return json(res, 400, { error: `reports[${i}]: ageMs must be a number of milliseconds, 0 or more` });
        }
        forwarded.push({ report: { ...parsed, at, ...(typeof address === 'string' ? { address: address.slice(0, 64) } : {}), via: forwardedBy }, ageMs });
      }
      for (const { report, ageMs } of forwarded) recordForwarded(report, ageMs);
      res.writeHead(204).end();
    });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://publisher.invalid');
    if (!authorised(req)) return json(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer realm="tollgate-publisher"' });
    if (url.pathname === '/v1/snapshot' && req.method === 'GET') return onSnapshot(req, res, url);
    if (url.pathname === '/v1/reports' && req.method === 'POST') return onReport(req, res);
    if (url.pathname === '/v1/reports' && req.method === 'GET') return json(res, 200, { version: current?.version ?? null, reports: [...reports.values()] });
    return json(res, 404, { error: 'not found' });
  });
  // Long polls outlive Node's default request timeout bookkeeping only if it is off.
  server.requestTimeout = 0;
  server.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    publish(snapshot) {
      if (!VERSION.test(snapshot.version)) throw new Error(`cannot publish a snapshot without a sha256 version (got ${String(snapshot.version)})`);
      current = { version: snapshot.version, body: JSON.stringify(snapshot) };
      for (const waiter of waiters) {
        if (waiter.have.has(current.version)) continue;
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        sendSnapshot(waiter.res);
      }
    },
    currentVersion: () => current?.version,
    reports: () => [...reports.values()],
    close: () =>
      new Promise<void>((resolve) => {
        for (const waiter of waiters) {
          clearTimeout(waiter.timer);
          waiter.res.writeHead(503, { 'retry-after': '1', connection: 'close' }).end();
        }
        waiters.clear();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** A report's own fields as a gateway sends them, or what is wrong with them. */
function parseReport(body: Record<string, unknown>): Omit<GatewayReport, 'at'> | string {
  const { replica, applied, rejected, errors } = body;
  if (typeof replica !== 'string' || !REPLICA.test(replica)) return 'replica is missing or malformed';
  if (applied !== null && (typeof applied !== 'string' || !VERSION.test(applied))) return 'applied must be a version or null';
  const report: Omit<GatewayReport, 'at'> = { replica, applied: applied };
  if (typeof rejected === 'string') report.rejected = rejected.slice(0, 128);
  if (Array.isArray(errors)) report.errors = errors.filter((e): e is string => typeof e === 'string').slice(0, 50).map((e) => e.slice(0, 500));
  return report;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
