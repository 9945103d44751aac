// One real operator process, as the operator's ServiceAccount, and one gateway
// process polling it, in front of the example backend, for a whole test file.
import { afterAll, beforeAll } from 'vitest';
import type { ControlPlaneEnv } from '../../control-plane/vitest-hooks.ts';
import { startExampleUpstream, type ExampleUpstream } from './example-upstream.ts';
import { operatorAccess, type OperatorAccess } from './operator-access.ts';
import { startGatewayProcess, type GatewayProcess, type OperatorProcess, type OperatorProcessOptions } from './processes.ts';

export type OperatorGatewayEnv = {
  readonly access: OperatorAccess;
  readonly operator: OperatorProcess;
  readonly gateway: GatewayProcess;
  /** The example backend's URL. */
  readonly upstream: string;
};

export function useOperatorAndGateway(
  env: ControlPlaneEnv,
  o: { identity: string; replica: string; operator?: Partial<OperatorProcessOptions> },
): OperatorGatewayEnv {
  let access: OperatorAccess | undefined;
  let upstream: ExampleUpstream | undefined;
  let operator: OperatorProcess | undefined;
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    access = await operatorAccess(env.cp);
    upstream = await startExampleUpstream();
    operator = await access.startOperator(o.identity, o.operator);
    gateway = await startGatewayProcess(env.cp.dir, { operatorUrl: `http://127.0.0.1:${operator.publisherPort}`, replica: o.replica });
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    await operator?.stop();
    upstream?.server.close();
  });
  const started = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`${what} not started (did beforeAll fail?)`);
    return v;
  };
  return {
    get access() {
      return started('operator access', access);
    },
    get operator() {
      return started('operator', operator);
    },
    get gateway() {
      return started('gateway', gateway);
    },
    get upstream() {
      return started('example backend', upstream).url;
    },
  };
}
