// Starts a test control plane and keeps it until Ctrl-C, for poking at by hand:
//
//   node test/control-plane/serve.ts            # then: export KUBECONFIG=<printed path>
//
// It prints one JSON line ({ kubeconfigPath, server, dir, processGroups, timings }),
// which the lifecycle tests read to check what is left after this process dies.
import { startControlPlane } from './control-plane.ts';

const crdsDir = process.argv.includes('--no-crds') ? null : undefined;
const cp = await startControlPlane(crdsDir === null ? { crdsDir } : {});
console.log(
  JSON.stringify({
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    dir: cp.dir,
    processGroups: cp.processGroups(),
    timings: cp.timings,
  }),
);
// Stay alive until a signal; the exit hooks in processes.ts stop the servers.
setInterval(() => {}, 1 << 30);
