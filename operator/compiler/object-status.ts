import type { AnyResource } from '../resources/types.ts';
import type { Condition } from './conditions.ts';

/** The status the compiler computes for one object; the writer adds transition times. */
export interface ObjectStatus {
  kind: AnyResource['kind'];
  namespace: string;
  name: string;
  generation: number;
  status: {
    observedGeneration: number;
    conditions: Condition[];
    [field: string]: unknown;
  };
}

/** `status` is built by the caller as one literal (observedGeneration, conditions, then its own fields): one allocation per object, not a spread copy. */
export function objectStatus(r: AnyResource, status: ObjectStatus['status']): ObjectStatus {
  return { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, generation: r.metadata.generation, status };
}
