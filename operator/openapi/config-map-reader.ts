import type { CoreV1Api } from '@kubernetes/client-node';
import type { ConfigMapReader } from './document-sources.ts';

/** Bounds one read: a slow API server holds up the reconcile that waits for it, not for ever. */
const READ_TIMEOUT_MS = 10_000;

/**
 * A ConfigMap key from the API server, read when the compile needs it (not
 * watched: a change is picked up by the next reconcile, at the latest the
 * periodic resync). The operator may read ConfigMaps only in namespaces that
 * grant it (config/rbac/tenant-openapi); elsewhere the read is refused with 403.
 */
export function configMapReader(core: CoreV1Api): ConfigMapReader {
  return async (namespace, name, key) => {
    try {
      const read = core.readNamespacedConfigMap({ name, namespace });
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS).unref());
      const cm = await Promise.race([read, timeout]);
      return cm.data?.[key];
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) return undefined;
      if (code === 403) throw new Error(`forbidden: grant the operator ConfigMap reads in ${namespace} (config/rbac/tenant-openapi)`);
      throw e;
    }
  };
}
