import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, basicSnapshot, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// A real `tollgate gateway` process gets a real SIGTERM while keep-alive clients
// are mid-request: every request sent gets a whole response, none is reset.
const entry = fileURLToPath(new URL('../../test/gateway/gateway-process.ts', import.meta.url));
let upstream: Upstream;
let dir: string;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => setTimeout(() => res.end('done'), 100));
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-drain-'));
  writeFileSync(path.join(dir, 'snapshot.json'), JSON.stringify(basicSnapshot(upstream.url)));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startProcess(extra: string[]): Promise<{ child: ChildProcess; proxyPort: number; adminPort: number; exited: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [entry, '--proxy-port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--snapshot', path.join(dir, 'snapshot.json'), '--log-level', 'info', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await new Promise<{ proxyPort: number; adminPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('gateway listening')) continue;
        const { proxyPort, adminPort } = JSON.parse(line) as { proxyPort: number; adminPort: number };
        resolve({ proxyPort, adminPort });
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early with ${code}`)));
  });
  child.stdout.resume();
  // Listening comes before the snapshot file is read: until then the gateway rightly answers 503.
  for (const start = Date.now(); ;) {
    const status = await new Promise<number>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: ports.adminPort, path: '/readyz', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
    if (status === 200) break;
    if (Date.now() - start > 10_000) throw new Error('the gateway did not become ready');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, ...ports, exited };
}

function get(port: number, agent: http.Agent | false, pathName = '/hello/1.0.0/x'): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, headers: { 'x-api-key': TEST_KEY }, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) return reject(new Error('incomplete response'));
        const out: { status: number; body: string; connection?: string } = { status: res.statusCode ?? 0, body };
        if (typeof res.headers.connection === 'string') out.connection = res.headers.connection;
        resolve(out);
      });
    });
    // Whether the request went out on a kept-alive connection: a reset there is the gateway's fault.
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end();
  });
}

describe('SIGTERM', () => {
  it('drains keep-alive clients without a reset', async () => {
    const gw = await startProcess(['--shutdown-delay', '300']);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const completed: number[] = [];
    const failures: string[] = [];
    let afterSignal = 0;
    let closeHeaders = 0;
    let signalled = false;
    const client = async (): Promise<void> => {
      for (;;) {
        try {
          const res = await get(gw.proxyPort, agent);
          completed.push(res.status);
          if (signalled) afterSignal++;
          if (res.connection === 'close') closeHeaders++;
        } catch (err) {
          const { code, reusedSocket } = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
          // Once the listener is closed a new connection is refused, or reset if the kernel had completed its
          // handshake just before (the listen backlog): that is the end. A reset of a kept-alive one is a failure.
          const ended = code === 'ECONNREFUSED' || (code === 'ECONNRESET' && signalled && reusedSocket === false);
          if (!ended) failures.push(`${code ?? ''} ${(err as Error).message}`);
          return;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((r) => setTimeout(r, 500));
    signalled = true;
    gw.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const ready = await new Promise<number>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: gw.adminPort, path: '/readyz', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
    await Promise.all(clients);
    agent.destroy();

    expect(failures).toEqual([]);
    expect(ready).toBe(503);
    expect(completed.filter((s) => s !== 200)).toEqual([]);
    expect(completed.length).toBeGreaterThan(16);
    expect(afterSignal).toBeGreaterThan(0);
    expect(closeHeaders).toBeGreaterThan(0);
    expect(await gw.exited).toBe(0);
  });
});
