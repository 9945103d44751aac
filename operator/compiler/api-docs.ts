import { docsBundle, type ApiDocs } from '../openapi/docs-bundle.ts';
import { compareStrings } from './order.ts';
import type { ApiOutcome } from './process-api.ts';

/** The docs bundle of every API the gateway serves that has an OpenAPI document. */
export function apiDocs(outcomes: ReadonlyMap<string, ApiOutcome>): ApiDocs[] {
  const docs: ApiDocs[] = [];
  for (const o of outcomes.values()) {
    if (!o.api || !o.document) continue;
    const s = o.resource.spec;
    docs.push(
      docsBundle(
        {
          namespace: o.api.namespace,
          name: o.api.name,
          version: o.api.version,
          ...(s.displayName !== undefined ? { title: s.displayName } : {}),
          ...(s.description !== undefined ? { description: s.description } : {}),
          basePath: `${o.api.context}/${o.api.version}`,
          ...(s.hosts?.length ? { hosts: s.hosts } : {}),
        },
        o.document,
      ),
    );
  }
  return docs.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
}
