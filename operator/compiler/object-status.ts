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

export function objectStatus(r: AnyResource, conditions: Condition[], extra: Record<string, unknown> = {}): ObjectStatus {
  return {
    kind: r.kind,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    generation: r.metadata.generation,
    status: { observedGeneration: r.metadata.generation, conditions, ...extra },
  };
}
