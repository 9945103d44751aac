import type { IncomingMessage } from 'node:http';
import type { PortalContext } from '../actions/context.ts';
import type { Session } from '../auth/session.ts';
import type { Html } from '../html/html.ts';
import type { PageFrame } from '../pages/layout.ts';

/** What a route answers; the server turns it into HTTP. */
export type Reply =
  | { html: Html; status?: number; noStore?: boolean; inlineStyles?: boolean }
  | { json: unknown; status?: number; noStore?: boolean }
  | { redirect: string; status?: number }
  | { file: string; type: string };

export interface RouteInput {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  session: Session;
  ctx: PortalContext;
  frame: PageFrame;
  /** The parsed body of a write. */
  body: Record<string, unknown>;
  /** Replace the session cookie (sign-in, sign-out). */
  setSession: (next: Session | undefined) => void;
}

export type Handler = (input: RouteInput) => Promise<Reply> | Reply;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

// Path parameters are Kubernetes names (and static file names): anything else matches no route, so no
// encoded slash, dot segment or odd character reaches a handler.
const PARAM = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function route(method: string, pattern: string, handler: Handler): Route {
  return { method, segments: pattern.split('/').filter(Boolean), handler };
}

export function matchRoute(routes: Route[], method: string, pathname: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let wrongMethod = false;
  for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = r.segments[i]!;
      if (seg.startsWith(':')) {
        if (PARAM.test(parts[i]!) && parts[i]!.length <= 253) params[seg.slice(1)] = parts[i]!;
        else ok = false;
      } else ok = seg === parts[i];
    }
    if (!ok) continue;
    if (r.method === method || (r.method === 'GET' && method === 'HEAD')) return { route: r, params };
    wrongMethod = true;
  }
  return wrongMethod ? 'method' : undefined;
}
