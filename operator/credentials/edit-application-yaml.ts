import { readFileSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseAllDocuments, YAMLMap, type Document } from 'yaml';
import { listYamlFiles } from '../loader/read-documents.ts';

export interface ApplicationDocument {
  file: string;
  docs: Document[];
  doc: Document;
}

/** Finds the YAML document that defines an Application (`namespace/name`), so it can be edited in place. */
export function findApplicationDocument(paths: string[], id: string, defaultNamespace = 'default'): ApplicationDocument | undefined {
  const [namespace, name] = id.includes('/') ? id.split('/', 2) : [defaultNamespace, id];
  for (const file of listYamlFiles(paths)) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8')) as Document[];
    for (const doc of docs) {
      if (doc.errors?.length) continue;
      const o = doc.toJS() as { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (
        o?.kind === 'Application' &&
        o.apiVersion?.startsWith('tollgate.dev/') &&
        o.metadata?.name === name &&
        (o.metadata?.namespace ?? defaultNamespace) === namespace
      ) {
        return { file, docs, doc };
      }
    }
  }
  return undefined;
}

/** Writes the file back; comments and formatting of everything untouched stay as they were. */
export function saveApplicationDocument(found: ApplicationDocument): void {
  writeFileSync(found.file, found.docs.map((d) => d.toString()).join(''));
}

function credentials(doc: Document) {
  let seq = doc.getIn(['spec', 'credentials'], true);
  if (!isSeq(seq)) {
    // The CRD default: one credential named default, written out so a second can sit beside it.
    doc.setIn(['spec', 'credentials'], doc.createNode([{ name: 'default' }]));
    seq = doc.getIn(['spec', 'credentials'], true);
  }
  return seq as ReturnType<Document['createNode']> & { items: unknown[] };
}

export function credentialNames(doc: Document): string[] {
  return credentials(doc).items.flatMap((i) => (isMap(i) && typeof i.get('name') === 'string' ? [String(i.get('name'))] : []));
}

/** Rotation step one: a second credential beside the old one; both work until the old one is revoked. */
export function addCredential(doc: Document, name: string): void {
  if (credentialNames(doc).includes(name)) throw new Error(`credential ${name} already exists`);
  const seq = credentials(doc);
  seq.items.push(doc.createNode({ name }) as YAMLMap);
}

export function revokeCredential(doc: Document, name: string): void {
  const item = credentials(doc).items.find((i) => isMap(i) && i.get('name') === name);
  if (!item || !isMap(item)) throw new Error(`no credential ${name}; there are: ${credentialNames(doc).join(', ')}`);
  item.set('revoked', true);
}
