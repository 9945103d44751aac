// The operator and one gateway fed by its publisher, both in this process: the
// setup every in-process end-to-end test shares. Real processes: processes.ts.
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createLimitStore } from '../../../gateway/limits/create-limit-store.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../../gateway/server/create-gateway.ts';
import { startOperatorClient } from '../../../gateway/sources/operator-client.ts';
import { runOperator, type Operator, type OperatorOptions } from '../../../operator/run-operator.ts';
import type { ControlPlaneEnv } from '../../control-plane/vitest-hooks.ts';
import { startExampleUpstream, type ExampleUpstream } from './example-upstream.ts';

export interface InProcess {
  operator: Operator;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startInProcess(o: {
  kubeconfig: string;
  leaseNamespace: string;
  logger: Logger;
  tokens?: OperatorOptions['tokens'];
  /** More of the operator's options (a usage ledger, say). */
  operator?: Partial<OperatorOptions>;
  /** More of the gateway's options. */
  gateway?: Partial<GatewayOptions>;
}): Promise<InProcess> {
  const operator = await runOperator({
    kubeconfig: o.kubeconfig,
    publisherPort: 0,
    adminPort: 0,
    host: '127.0.0.1',
    leaseNamespace: o.leaseNamespace,
    holdOffMs: 30,
    leaseRetryMs: 500,
    ...(o.tokens ? { tokens: o.tokens } : {}),
    logger: o.logger,
    ...o.operator,
  });
  const gateway = await createGateway({
    proxyPort: 0,
    adminPort: 0,
    host: '127.0.0.1',
    limitStore: createLimitStore({}),
    logger: o.logger,
    processMetrics: false,
    ...o.gateway,
  });
  const client = startOperatorClient(gateway, { url: `http://127.0.0.1:${operator.publisher.port}`, replica: 'gw-0', waitSeconds: 5, logger: o.logger });
  return {
    operator,
    gateway,
    close: async () => {
      await client.close();
      await gateway.close();
      await operator.close();
    },
  };
}

/** The end-to-end tests' log: silent unless E2E_LOG names a level, then on stderr. */
export const e2eLogger = (): Logger => pino({ level: process.env.E2E_LOG ?? 'silent' }, pino.destination(2));

export type InProcessEnv = {
  readonly harness: InProcess;
  /** The example backend's URL. */
  readonly upstream: string;
};

/**
 * The example backend and startInProcess for a whole test file, on the control
 * plane's admin kubeconfig and the default namespace's Lease unless `identity`
 * gives another (the operator's ServiceAccount, say).
 */
export function useInProcess(env: ControlPlaneEnv, o: { identity?: () => Promise<{ path: string; namespace: string }>; logger?: Logger } = {}): InProcessEnv {
  let upstream: ExampleUpstream | undefined;
  let harness: InProcess | undefined;
  beforeAll(async () => {
    const id = o.identity ? await o.identity() : { path: env.cp.kubeconfigPath, namespace: 'default' };
    upstream = await startExampleUpstream();
    harness = await startInProcess({ kubeconfig: id.path, leaseNamespace: id.namespace, logger: o.logger ?? e2eLogger() });
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    upstream?.server.close();
  });
  return {
    get harness() {
      if (!harness) throw new Error('operator and gateway not started (did beforeAll fail?)');
      return harness;
    },
    get upstream() {
      if (!upstream) throw new Error('example backend not started (did beforeAll fail?)');
      return upstream.url;
    },
  };
}
