// Shared by the gateway's tests: real upstreams, real sockets, snapshots sealed
// the way the compiler seals them.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import type { LimitStore } from '../../gateway/limits/types.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/server/create-gateway.ts';
import type { Api, Application, Product, Snapshot, Subscription } from '../../gateway/snapshot/types.ts';
import { sealSnapshot, type SnapshotBody } from '../../gateway/snapshot/version.ts';

export function keyHash(key: string): string {
  return 'sha256:' + createHash('sha256').update(key).digest('hex');
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface Upstream {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Connections open to it now. */
  connections(): number;
  close(): Promise<void>;
}

/** An upstream that records what it received and, unless told otherwise, echoes it as JSON. */
export async function startUpstream(handler?: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(record);
      if (handler) return handler(req, res, record);
      const body = JSON.stringify({ method: record.method, url: record.url, headers: record.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  let open = 0;
  server.on('connection', (socket) => {
    open++;
    socket.once('close', () => open--);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    connections: () => open,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function api(overrides: Partial<Api> & { upstreamUrl?: string } = {}): Api {
  const { upstreamUrl, ...rest } = overrides;
  const name = rest.name ?? 'hello';
  return {
    id: `team-a/${name}`,
    namespace: 'team-a',
    name,
    displayName: 'Hello',
    context: '/hello',
    version: '1.0.0',
    lifecycle: 'Published',
    environments: [],
    upstream: { urls: [upstreamUrl ?? 'http://127.0.0.1:9'], connectTimeoutMs: 1000, timeoutMs: 2000, retries: 1 },
    auth: { required: true, apiKey: { header: 'x-api-key' }, oauth2: false, issuers: [] },
    ...rest,
  };
}

export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: 'team-a/gold',
    namespace: 'team-a',
    name: 'gold',
    displayName: 'Gold',
    environments: [],
    scopes: [],
    apiKeys: 'Allowed',
    access: 'public',
    operations: [{ api: 'team-a/hello', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] }],
    quotaFailureMode: 'open',
    ...overrides,
  };
}

export function application(key: string, overrides: Partial<Application> = {}): Application {
  return {
    id: 'team-b/app',
    namespace: 'team-b',
    name: 'app',
    credentials: [{ name: 'main', keyHash: keyHash(key), revoked: false }],
    externalClients: [],
    ...overrides,
  };
}

export function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return { id: 'team-b/app-gold', application: 'team-b/app', product: 'team-a/gold', ...overrides };
}

export const TEST_KEY = 'test-key-0123456789abcdef';

/** One API at `/hello/1.0.0` (and `/hello` as default), one product covering all of it, one app subscribed. */
export function basicSnapshot(upstreamUrl: string, change: (body: SnapshotBody) => void = () => {}): Snapshot {
  const body: SnapshotBody = {
    schema: 'tollgate.dev/snapshot/v1',
    routes: [
      { host: '*', basePath: '/hello', api: 'team-a/hello' },
      { host: '*', basePath: '/hello/1.0.0', api: 'team-a/hello' },
    ],
    apis: [api({ upstreamUrl })],
    products: [product()],
    applications: [application(TEST_KEY)],
    subscriptions: [subscription()],
    inactiveSubscriptions: [],
  };
  change(body);
  return sealSnapshot(body);
}

/** A limit store for tests that configure no limits: being asked is itself a failure. */
export const noLimits: LimitStore = {
  check: () => Promise.reject(new Error('no limits are configured in this test, yet the store was asked')),
  close: () => Promise.resolve(),
};

export const silentLogger = pino({ level: 'silent' });

export async function startGateway(snapshot: Snapshot | undefined, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = await createGateway({
    proxyPort: 0,
    adminPort: 0,
    host: '127.0.0.1',
    limitStore: noLimits,
    logger: silentLogger,
    processMetrics: false,
    ...options,
  });
  if (snapshot) {
    const result = gw.applySnapshot(snapshot);
    if (!result.ok) throw new Error(`test snapshot refused: ${result.errors.join('; ')}`);
  }
  return gw;
}

export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any;
}

/** A request through Node's client, for well-formed requests. */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string; agent?: http.Agent | false } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes on a socket, for requests Node's client refuses to send; the answer is read until the server closes. */
export function sendRaw(port: number, text: string | Buffer): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split === -1 ? all : all.slice(0, split);
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = split === -1 ? '' : all.slice(split + 4);
      const length = headers['content-length'];
      if (typeof length === 'string') body = body.slice(0, Number(length));
      resolve({ status: Number(statusLine?.split(' ')[1] ?? 0), headers, body, json: () => JSON.parse(body) });
    });
    // Not end(): Node's server aborts requests in flight when the client half-closes.
    socket.write(text);
  });
}

/** An upstream's side of a WebSocket handshake: the 101, with the accept value RFC 6455 derives from the client's key. */
export function acceptWebSocket(req: IncomingMessage, socket: net.Socket): void {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

/** A WebSocket upgrade sent raw to the gateway (`headers`: extra lines, each ending in CRLF); resolves with the response head once it is complete, and the socket. */
export function upgrade(port: number, path: string, headers: string): Promise<{ head: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = '';
    socket.on('error', reject);
    socket.on('data', function onData(chunk: Buffer) {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ head: buffered, socket });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`,
    );
  });
}
