import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExampleBackend } from '../../dev/example-backend.ts';
import { runDev, type DevOptions, type DevServer } from '../../dev/run-dev.ts';
import { devOptions } from '../support/dev-options.ts';
import { waitFor } from '../support/wait.ts';

/** Platform objects: one API with CORS for the portal, products of every access level and approval type. */
export function platformYaml(backend: string, portalOrigin: string): string {
  return `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: echo, namespace: platform }
spec:
  displayName: Echo
  description: Answers **every** call. <script>alert(1)</script>
  context: /echo
  version: v1
  lifecycle: Published
  upstream: { urls: ['${backend}'] }
  operations:
    - { path: /, methods: [GET] }
    - { path: '/items/{id}', methods: [GET] }
    - { path: /orders, methods: [POST] }
  cors:
    allowOrigins: ['${portalOrigin}']
    allowHeaders: [apikey, authorization, content-type]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: echo-basic, namespace: platform }
spec:
  displayName: Echo Basic
  description: "The echo API for everyone: _instant_ access."
  access: public
  approvalType: auto
  attributes: [{ name: category, value: demo }, { name: tags, value: 'echo, starter' }]
  operations: [{ api: echo, paths: [/items/*], methods: [GET] }]
  plans:
    - { name: Basic, quota: { limit: 100, timeUnit: hour } }
    - { name: Pro, quota: { limit: 1000, timeUnit: hour }, rateLimit: { requests: 10, per: second, burst: 20 } }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: echo-partner, namespace: platform }
spec:
  displayName: Echo for Partners
  access: public
  approvalType: manual
  operations: [{ api: echo, paths: [/, /**] }]
  quota: { limit: 50, timeUnit: day }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: team-b-only, namespace: platform }
spec:
  displayName: Team B Private Echo
  access: private
  allowedNamespaces: [team-b]
  operations: [{ api: echo, paths: [/] }]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: internal-echo, namespace: platform }
spec:
  displayName: Internal Echo
  access: internal
  allowedNamespaces: [team-a]
  operations: [{ api: echo, paths: [/] }]
`;
}

/** Team B's application, which team A must never see. */
export const TEAM_B_YAML = `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: b-app, namespace: team-b }
spec:
  owner: { email: bob@b.example }
  credentials: [{ name: default }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: b-app-echo-basic, namespace: team-b }
spec:
  application: b-app
  product: { name: echo-basic, namespace: platform }
`;

export interface PortalEstate {
  dev: DevServer;
  dir: string;
  portalUrl: string;
  gatewayUrl: string;
  close(): Promise<void>;
}

/** A real `tollgate dev` (gateway and portal) over a temporary directory, with the example backend. */
export async function startPortalEstate(
  options: { oidc?: (portal: string) => void; oidcOptions?: NonNullable<DevOptions['portal']>['oidc'] } = {},
): Promise<PortalEstate> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-portal-'));
  mkdirSync(join(dir, 'config'));
  const backend: Server = await startExampleBackend(0);
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'config', 'team-b.yaml'), TEAM_B_YAML);
  const dev = await runDev(devOptions(dir, { portal: { port: 0, ...(options.oidcOptions ? { oidc: options.oidcOptions } : {}) } }));
  const portalUrl = dev.portal!.url;
  options.oidc?.(portalUrl);
  writeFileSync(join(dir, 'config', 'platform.yaml'), platformYaml(backendUrl, portalUrl));
  await waitFor('the platform products in the portal', () => (dev.last()?.snapshot.products.length ?? 0) === 4, 10_000);
  return {
    dev,
    dir,
    portalUrl,
    gatewayUrl: `http://127.0.0.1:${dev.gateway.proxyPort}`,
    close: async () => {
      await dev.close();
      await new Promise<void>((r) => backend.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
