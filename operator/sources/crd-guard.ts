import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURALS } from '../kube/kinds.ts';
import { KINDS } from '../resources/types.ts';

/**
 * Tells a deleted CRD from "no objects": deleting a CRD deletes every object of
 * its kind (each a delete event on the watch), and compiling that would publish
 * a snapshot without them, cutting every consumer off. So when a kind shrinks,
 * the reconcile asks here first, and while a CRD is gone or being deleted it
 * keeps the last snapshot and says why.
 */
export class CrdGuard {
  private readonly api: ApiextensionsV1Api;
  private readonly logger: Logger;
  private warnedForbidden = false;

  constructor(kc: KubeConfig, logger: Logger) {
    this.api = kc.makeApiClient(ApiextensionsV1Api);
    this.logger = logger;
  }

  /** What is wrong with the CRDs, or undefined when all four are there and none is being deleted. */
  async problem(): Promise<string | undefined> {
    const problems = await Promise.all(KINDS.map((kind) => this.check(`${PLURALS[kind]}.${GROUP}`)));
    const found = problems.filter((p): p is string => p !== undefined);
    return found.length ? found.join('; ') : undefined;
  }

  private async check(name: string): Promise<string | undefined> {
    try {
      const crd = await this.api.readCustomResourceDefinition({ name });
      return crd.metadata?.deletionTimestamp ? `CRD ${name} is being deleted` : undefined;
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) return `CRD ${name} is gone`;
      // An install without the read right on CRDs cannot tell: go on as before rather than stall.
      if (code === 403 && !this.warnedForbidden) {
        this.warnedForbidden = true;
        this.logger.warn({ crd: name }, 'cannot read CRDs (no get on customresourcedefinitions): a deleted CRD will read as zero objects');
      }
      return undefined;
    }
  }
}
