// One control plane per test file, a fresh namespace per test:
//
//   const env = useControlPlane();
//   it('...', async () => { await env.cp.kubectlOk(['get', 'apis', '-n', env.namespace]); });
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startControlPlane, type ControlPlane, type StartOptions } from './control-plane.ts';

export type ControlPlaneEnv = { readonly cp: ControlPlane; readonly namespace: string };

export function useControlPlane(options?: StartOptions): ControlPlaneEnv {
  let cp: ControlPlane | undefined;
  let namespace: string | undefined;
  // A cold start of kube-apiserver on a busy 2-core machine can take half a minute.
  beforeAll(async () => {
    cp = await startControlPlane(options);
  }, 180_000);
  afterAll(async () => {
    await cp?.stop();
  }, 60_000);
  beforeEach(async () => {
    namespace = await env.cp.newNamespace();
  });
  const env: ControlPlaneEnv = {
    get cp() {
      if (!cp) throw new Error('control plane not started (did beforeAll fail?)');
      return cp;
    },
    get namespace() {
      if (!namespace) throw new Error('no namespace: use env.namespace inside a test');
      return namespace;
    },
  };
  return env;
}
