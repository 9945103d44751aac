// Rotation as a developer does it in dev mode: the CLI edits the YAML, the
// running dev server issues the new key, both keys work, then the old one is revoked.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleBackend } from '../dev/example-backend.ts';
import { devOptions } from '../test/support/dev-options.ts';
import { runDev, type DevServer } from '../dev/run-dev.ts';
import { waitFor } from '../test/support/wait.ts';

const run = promisify(execFile);
const tollgate = new URL('../bin/tollgate', import.meta.url).pathname;
let dir: string;
let backend: Server;
let dev: DevServer;
let base: string;

const config = (port: number) => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: hello, namespace: team }
spec:
  context: /hello
  version: v1
  upstream: { urls: ["http://127.0.0.1:${port}"] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: hello, namespace: team }
spec:
  operations: [{ api: hello }]
---
# The app team's application; its keys never appear in this file.
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: app, namespace: team }
spec:
  owner: { email: dev@example.com }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app-hello, namespace: team }
spec:
  application: app
  product: { name: hello }
`;

const cli = async (...args: string[]) => (await run(tollgate, ['credentials', ...args, '--state-dir', join(dir, 'state')], { cwd: dir })).stdout;
const status = async (key: string) => (await fetch(`${base}/hello/v1`, { headers: { apikey: key } })).status;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-credentials-'));
  backend = await startExampleBackend(0);
  writeFileSync(join(dir, 'hello.yaml'), config((backend.address() as { port: number }).port));
  dev = await runDev(devOptions(dir, { paths: [join(dir, 'hello.yaml')] }));
  base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
});

afterAll(async () => {
  await dev?.close();
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tollgate credentials', () => {
  it('lists without keys, and shows the key only with --reveal', async () => {
    const key = dev.credentials.reveal('team/app', 'default')!.consumerKey;
    const list = await cli('list', 'team/app');
    expect(list).toMatch(/^default\s+tg_\w{6}\s+Active/);
    expect(list).not.toContain(key);
    expect(await cli('show', 'team/app', 'default')).not.toContain(key);
    expect(await cli('show', 'team/app', 'default', '--reveal')).toContain(key);
  });

  it('rotates with overlap: both keys work until the old one is revoked', async () => {
    const old = dev.credentials.reveal('team/app', 'default')!.consumerKey;
    await cli('rotate', 'team/app', 'hello.yaml', '--name', 'next');
    expect(readFileSync(join(dir, 'hello.yaml'), 'utf8')).toContain("# The app team's application; its keys never appear in this file.");
    await waitFor('the new key', async () => dev.credentials.reveal('team/app', 'next') !== undefined);
    const next = dev.credentials.reveal('team/app', 'next')!.consumerKey;
    await waitFor('the new key to work', async () => (await status(next)) === 200);
    expect(await status(old)).toBe(200);

    await cli('revoke', 'team/app', 'default', 'hello.yaml');
    await waitFor('the old key to be refused', async () => (await status(old)) === 401);
    expect(await status(next)).toBe(200);
    expect(await cli('list', 'team/app')).toMatch(/default\s+tg_\w{6}\s+Revoked/);
  });
});
