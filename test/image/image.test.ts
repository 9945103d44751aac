// The built image (make image) with podman: `tollgate gateway` from a mounted
// snapshot answers a call through to an upstream on the host; the operator
// container runs against the real test API server and becomes ready; the image
// runs as 1000:1000 on a read-only root and has no shell; `tollgate portal` in it
// becomes ready (/readyz, the chart's probe) from that operator's portal view.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../control-plane/readiness.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { basicSnapshot, startUpstream, TEST_KEY, type Upstream } from '../gateway/fixtures.ts';
import { until } from '../support/wait.ts';
import { IMAGE, podman, requireImage, RUN_FLAGS, runContainer, type Container } from './podman.ts';

const env = useControlPlane();
let dir: string;
let upstream: Upstream;
const containers: Container[] = [];
/** The operator container's publisher, for the portal container (set by the operator test). */
let publisherPort: number | undefined;

beforeAll(async () => {
  await requireImage();
  dir = await mkdtemp(join(tmpdir(), 'tollgate-image-'));
  upstream = await startUpstream();
});
afterAll(async () => {
  await Promise.all(containers.map((c) => c.stop()));
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

async function ready(c: Container, port: number): Promise<void> {
  await until(
    `readyz on ${port}`,
    async () => {
      if (c.exited() !== null) throw new Error(`the container exited with ${c.exited()}`);
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    60_000,
    200,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\ncontainer output:\n${c.logs()}`);
  });
}

describe(`the image (${IMAGE})`, () => {
  it('runs as 1000:1000 with node as the entrypoint, and has no shell', async () => {
    const config = JSON.parse((await podman(['image', 'inspect', IMAGE])).stdout) as Array<{ Config: { User: string; Entrypoint: string[] } }>;
    expect(config[0]!.Config.User).toBe('1000:1000');
    expect(config[0]!.Config.Entrypoint[0]).toBe('/usr/local/bin/node');
    const shell = await podman(['run', ...RUN_FLAGS, '--rm', '--entrypoint', '/bin/sh', IMAGE, '-c', 'true']);
    expect(shell.code).not.toBe(0);
    expect(shell.stderr).toMatch(/no such file or directory|not found/);
    const version = await podman(['run', ...RUN_FLAGS, '--rm', '--read-only', IMAGE, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('tollgate gateway serves a mounted snapshot: a call with the key reaches the upstream', async () => {
    await writeFile(join(dir, 'snapshot.json'), JSON.stringify(basicSnapshot(upstream.url)));
    const [proxy, admin] = (await freePorts(2)) as [number, number];
    // :U hands the (test-owned) directory to the image's user, as a kubelet's fsGroup would.
    const args = ['-v', `${dir}:/snapshot:ro,U`];
    const gw = runContainer(args, [
      'gateway',
      '--snapshot',
      '/snapshot/snapshot.json',
      '--host',
      '127.0.0.1',
      `--proxy-port=${proxy}`,
      `--admin-port=${admin}`,
    ]);
    containers.push(gw);
    await ready(gw, admin);
    const res = await fetch(`http://127.0.0.1:${proxy}/hello/1.0.0/greet`, { headers: { 'x-api-key': TEST_KEY } });
    expect(res.status).toBe(200);
    expect(upstream.seen.at(-1)?.url).toBe('/greet');
    expect((await fetch(`http://127.0.0.1:${proxy}/hello/1.0.0/greet`)).status).toBe(401);
  }, 90_000);

  it('tollgate operator runs against the test API server and becomes ready', async () => {
    const [publisher, admin] = (await freePorts(2)) as [number, number];
    const kube = join(dir, 'kube');
    await mkdir(kube);
    await copyFile(env.cp.kubeconfigPath, join(kube, 'config'));
    const op = runContainer(
      ['-v', `${kube}:/kube:ro,U`, '-e', 'TOLLGATE_ISSUER=https://api.example.com'],
      [
        'operator',
        '--kubeconfig',
        '/kube/config',
        '--host',
        '127.0.0.1',
        `--publisher-port=${publisher}`,
        `--admin-port=${admin}`,
        '--lease-namespace',
        'default',
      ],
    );
    containers.push(op);
    await ready(op, admin);
    // It leads (the only replica) and, with an issuer, made the signing keys.
    await until(
      'the signing-keys Secret',
      async () => ((await env.cp.kubectl(['get', 'secret', '-n', 'default', 'tollgate-signing-keys'])).code === 0 ? true : undefined),
      30_000,
      250,
    );
    publisherPort = publisher;
  }, 90_000);

  it('tollgate portal runs on a read-only root: live at once, ready once the operator gave its view', async () => {
    if (publisherPort === undefined) throw new Error('the operator container did not start (see the test before)');
    const [port] = (await freePorts(1)) as [number];
    // The chart's command line, with loopback addresses; the kubeconfig is only read, impersonation needs no call here.
    const portal = runContainer(
      ['-v', `${join(dir, 'kube')}:/kube:ro,U`],
      [
        'portal',
        '--kubeconfig',
        '/kube/config',
        '--host',
        '127.0.0.1',
        `--port=${port}`,
        `--operator=http://127.0.0.1:${publisherPort}`,
        '--public-url=https://developer.example.com',
        '--oidc-issuer=https://idp.example.com',
        '--oidc-client-id=tollgate-portal',
      ],
    );
    containers.push(portal);
    await ready(portal, port);
    const live = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([live.status, live.headers.get('set-cookie')]).toEqual([200, null]);
    // It serves pages from the image's static files too.
    expect((await fetch(`http://127.0.0.1:${port}/static/portal.css`)).status).toBe(200);
  }, 90_000);
});
