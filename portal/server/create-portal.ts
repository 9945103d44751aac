import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PendingReveals, type PortalContext } from '../actions/context.ts';
import { DEFAULT_GROUP_MAPPING, type GroupMapping } from '../access/user.ts';
import { oidcSignIn, type OidcOptions } from '../auth/oidc.ts';
import { csrfMatches, newToken, sessionCookies, type Session } from '../auth/session.ts';
import type { PortalBackend } from '../backend/backend.ts';
import { PortalError } from '../backend/portal-error.ts';
import { readBody } from '../http/body.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { messagePage } from '../pages/app-pages.ts';
import type { PageFrame } from '../pages/layout.ts';
import { apiRoutes } from './api-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { pageRoutes } from './page-routes.ts';
import { matchRoute, type Reply, type Route, type RouteInput } from './router.ts';
import { staticFiles } from './static-files.ts';

export interface PortalOptions {
  port: number;
  host: string;
  backend: PortalBackend;
  /** The origin browsers reach the portal at (redirect URI, Origin checks); default http://host:port. */
  publicOrigin?: string;
  /** Gateway origins the try-out console may call (CSP connect-src). */
  gatewayOrigins: string[];
  /** Sign-in with this OpenID provider; the redirect URI is `<origin>/auth/callback`. */
  oidc?: Omit<OidcOptions, 'portalOrigin' | 'mapping'>;
  /** tollgate dev's clearly marked sign-in without an IdP. */
  localSignIn: boolean;
  /** List public products to visitors who are not signed in. */
  anonymous: boolean;
  /** 32 bytes that encrypt session cookies; random (sessions end with the process) when unset. */
  sessionKey?: Uint8Array;
  mapping?: GroupMapping;
  clock?: () => Date;
  settleMs?: number;
  /** What `GET /readyz` reports: false answers 503 (a cluster portal before its first view from the operator); absent: always ready. */
  ready?: () => boolean;
  logger?: Logger;
}

export interface Portal {
  url: string;
  close(): Promise<void>;
}

export async function createPortal(o: PortalOptions): Promise<Portal> {
  const server = createServer();
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = o.publicOrigin ?? `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${port}`;
  const handle = portalHandler(o, origin);
  server.on('request', (req, res) => void handle(req, res));
  return { url: origin, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function portalHandler(o: PortalOptions, origin: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const secure = origin.startsWith('https:');
  const cookies = sessionCookies({ key: o.sessionKey ?? randomBytes(32), secure });
  const mapping = o.mapping ?? DEFAULT_GROUP_MAPPING;
  const oidc = o.oidc && oidcSignIn({ ...o.oidc, portalOrigin: origin, mapping });
  const routes: Route[] = [...authRoutes({ oidc, localSignIn: o.localSignIn, mapping }), ...apiRoutes(), ...pageRoutes()];
  const files = staticFiles();
  const reveals = new PendingReveals();
  return async (req, res) => {
    setSecurityHeaders(res, { connect: o.gatewayOrigins, secure });
    const url = new URL(req.url ?? '/', origin);
    const file = req.method === 'GET' || req.method === 'HEAD' ? files.get(url.pathname) : undefined;
    if (file) return send(res, 200, file.type, file.body, { 'Cache-Control': 'public, max-age=3600' });
    // Probes: before sessions, so a kubelet's request never makes a cookie.
    const probe = probeAnswer(req.method, url.pathname, o.ready);
    if (probe) return send(res, probe.status, 'application/json', JSON.stringify(probe.body), { 'Cache-Control': 'no-store' });
    const stored = await cookies.read(req);
    const session: Session = stored ?? { csrf: newToken() };
    let setCookie = stored ? undefined : await cookies.write(session);
    const ctx: PortalContext = {
      backend: o.backend,
      user: session.user,
      anonymous: o.anonymous,
      clock: o.clock ?? (() => new Date()),
      reveals,
      settleMs: o.settleMs ?? 10_000,
    };
    const frame: PageFrame = { user: session.user, csrf: session.csrf, dev: o.backend.mode === 'dev' };
    const isApi = url.pathname.startsWith('/api/');
    try {
      const matched = matchRoute(routes, req.method ?? 'GET', url.pathname);
      if (matched === 'method') throw new PortalError(405, 'method-not-allowed', `${req.method} is not allowed here`);
      if (!matched) throw new PortalError(404, 'not-found', `nothing at ${url.pathname}`);
      const write = !['GET', 'HEAD'].includes(req.method ?? 'GET');
      const body = write ? await readBody(req) : {};
      if (write) checkWrite(req, session, body, origin, isApi);
      let next: Session | undefined;
      const input: RouteInput = { req, url, params: matched.params, session, ctx, frame, body, setSession: (s) => (next = s) };
      const reply = await matched.route.handler(input);
      if (next) setCookie = await cookies.write(next);
      return answer(res, reply, setCookie, o);
    } catch (e) {
      const error = e instanceof PortalError ? e : new PortalError(500, 'internal', 'the portal failed to answer; see its log', { cause: e });
      if (error.status >= 500) o.logger?.error({ err: e, path: url.pathname }, 'portal request failed');
      if (!isApi && error.status === 401) return answer(res, { redirect: `/sign-in?returnTo=${encodeURIComponent(url.pathname + url.search)}` }, setCookie, o);
      if (isApi) return answer(res, { json: problem(error), status: error.status }, setCookie, o);
      return answer(
        res,
        { html: messagePage(frame, error.status === 404 ? 'Not found' : 'Refused', error.message, error.status), status: error.status },
        setCookie,
        o,
      );
    }
  };
}

/** `/healthz`: the process answers; `/readyz`: it has something to show (the `ready` check). */
export function probeAnswer(
  method: string | undefined,
  path: string,
  ready: (() => boolean) | undefined,
): { status: number; body: { status: string } } | undefined {
  if ((method !== 'GET' && method !== 'HEAD') || (path !== '/healthz' && path !== '/readyz')) return undefined;
  if (path === '/healthz' || !ready || ready()) return { status: 200, body: { status: 'ok' } };
  return { status: 503, body: { status: 'no portal view from the operator yet' } };
}

/** Every write: the session's CSRF token (form field or header, compared in constant time) and, when sent, our own Origin. */
function checkWrite(req: IncomingMessage, session: Session, body: Record<string, unknown>, origin: string, isApi: boolean): void {
  const sentOrigin = req.headers.origin;
  if (sentOrigin !== undefined && sentOrigin !== origin) throw new PortalError(403, 'cross-origin', 'writes come from the portal itself');
  const token = isApi ? req.headers['x-csrf-token'] : body._csrf;
  if (!csrfMatches(session, token)) throw new PortalError(403, 'csrf', 'the form is stale or was not sent by the portal: reload the page and try again');
}

function problem(e: PortalError) {
  return { type: `https://tollgate.dev/problems/${e.code}`, title: e.code, status: e.status, code: e.code, detail: e.message };
}

function answer(res: ServerResponse, reply: Reply, setCookie: string | undefined, o: PortalOptions): void {
  if (setCookie) res.setHeader('Set-Cookie', setCookie);
  if ('redirect' in reply) {
    res.writeHead(reply.status ?? 303, { Location: reply.redirect, 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  if ('file' in reply) return send(res, 200, reply.type, reply.file);
  const cache = { 'Cache-Control': reply.noStore ? 'no-store' : 'private, no-cache' };
  if ('json' in reply) {
    const isProblem = (reply.status ?? 200) >= 400;
    return send(res, reply.status ?? 200, isProblem ? 'application/problem+json' : 'application/json', JSON.stringify(reply.json), cache);
  }
  if (reply.inlineStyles) setSecurityHeaders(res, { connect: o.gatewayOrigins, secure: res.hasHeader('Strict-Transport-Security'), inlineStyles: true });
  send(res, reply.status ?? 200, 'text/html; charset=utf-8', reply.html.value, cache);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length, ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}
