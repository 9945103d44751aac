// The operator and one gateway fed by its publisher, both in this process: the
// setup every in-process end-to-end test shares. Real processes: processes.ts.
import type { Logger } from 'pino';
import { createLimitStore } from '../../../gateway/limits/create-limit-store.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../../gateway/server/create-gateway.ts';
import { startOperatorClient } from '../../../gateway/sources/operator-client.ts';
import { runOperator, type Operator, type OperatorOptions } from '../../../operator/run-operator.ts';

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
