// A cluster-reading command against an API server that accepts connections and
// never answers gives up after --request-timeout, says so in one line and exits 1.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const tollgate = new URL('../../bin/tollgate', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'request-timeout-'));
const sockets = new Set<Socket>();
let server: Server;
let kubeconfig: string;

beforeAll(async () => {
  server = createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: silent, context: { cluster: c, user: u } }]\ncurrent-context: silent\n`,
  );
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(tollgate, args, { timeout: 20_000, cwd: dir, env: { ...process.env, KUBECONFIG: kubeconfig } }, (err, _stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr, ms: performance.now() - t0 }),
    );
  });
}

describe('--request-timeout', () => {
  it.each([
    { command: ['validate'], what: 'list apis.tollgate.dev in namespace default' },
    { command: ['plan', '-n', 'team-a'], what: 'list apis.tollgate.dev in namespace team-a' },
    { command: ['credentials', 'app', '-n', 'team-a'], what: 'get Application team-a/app' },
  ])('$command.0 gives up on a silent API server', async ({ command, what }) => {
    const r = await run([...command, '--request-timeout', '700ms']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error Timeout: ${what}: no answer from the API server in 700 ms\n`);
    // Node's start plus the 700 ms, not the client's own minutes-long defaults.
    expect(r.ms).toBeLessThan(10_000);
  });

  it('refuses a duration it cannot read', async () => {
    const r = await run(['validate', '--request-timeout', 'soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error InvalidFlag: --request-timeout soon: give a positive duration such as 500ms, 10s or 1m\n');
  });
});
