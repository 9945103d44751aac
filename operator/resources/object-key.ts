// The one place the operator spells an object's identity, so that maps built in
// one module (statuses, events, uids, the plan) are keyed the same as in another.

/** `namespace/name`: an object's id within its kind, as the snapshot and messages write it. */
export function namespacedId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The `namespace/name` id of a resource. */
export function objectId(r: { metadata: { namespace: string; name: string } }): string {
  return namespacedId(r.metadata.namespace, r.metadata.name);
}

/** `Kind/namespace/name`: unique across kinds, for maps over every object (statuses, events). */
export function objectKey(o: { kind: string; namespace: string; name: string }): string {
  return `${o.kind}/${namespacedId(o.namespace, o.name)}`;
}

/** The `Kind/namespace/name` key of a resource. */
export function objectRef(r: { kind: string; metadata: { namespace: string; name: string } }): string {
  return objectKey({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name });
}
