// Free loopback ports and polling a server until it says it is ready.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createServer, type Server } from 'node:net';
import type { Child } from './processes.ts';

/**
 * n distinct free ports on 127.0.0.1. All listeners are held open until every
 * port is known, so the n are distinct; another process can still take one before
 * our child binds it, which the caller handles by retrying the whole start.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export type Probe = { url: string; tls?: Pick<RequestOptions, 'ca' | 'cert' | 'key'> };

function get(probe: Probe): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = probe.url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(probe.url, { ...probe.tls, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls until the probe answers 200, failing early, with the child's log, if the
 * child exits first: a crashed server should say why, not time out.
 */
export async function waitUntilReady(child: Child, probe: Probe, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      throw new ChildExitedError(child, `${child.name} exited before it was ready`);
    }
    try {
      const res = await get(probe);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 500)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ChildExitedError(child, `${child.name} not ready after ${timeoutMs} ms (${probe.url}: ${last})`);
}

export class ChildExitedError extends Error {
  readonly log: string;
  constructor(child: Child, message: string) {
    const log = child.logTail(40);
    super(`${message}\n--- last lines of ${child.logFile} ---\n${log}`);
    this.log = log;
  }

  /** The port we picked was taken between our check and the child's bind. */
  get portClash(): boolean {
    return /address already in use/i.test(this.log);
  }
}
