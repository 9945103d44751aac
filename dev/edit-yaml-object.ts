import { readFileSync, rmSync } from 'node:fs';
import { parseAllDocuments, type Document } from 'yaml';
import { listYamlFiles } from '../operator/loader/read-documents.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export interface FoundDocument {
  file: string;
  docs: Document[];
  doc: Document;
}

/** The YAML document under `paths` that defines one object, so it can be edited in place (comments kept). */
export function findObjectDocument(paths: string[], kind: string, namespace: string, name: string, defaultNamespace: string): FoundDocument | undefined {
  for (const file of listYamlFiles(paths)) {
    let docs: Document[];
    try {
      docs = parseAllDocuments(readFileSync(file, 'utf8')) as Document[];
    } catch {
      continue;
    }
    for (const doc of docs) {
      if (doc.errors?.length) continue;
      const o = doc.toJS() as { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (
        o?.kind === kind &&
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

/** The file's text after an edit of one of its documents. */
export function documentsText(docs: Document[]): string {
  return docs.map((d) => d.toString()).join('');
}

export function saveDocuments(found: FoundDocument): void {
  writeFileAtomic(found.file, documentsText(found.docs), 0o644);
}

/** Takes one document out of its file; a file left with none is removed. */
export function removeDocument(found: FoundDocument): void {
  const rest = found.docs.filter((d) => d !== found.doc);
  if (rest.length === 0) rmSync(found.file);
  else writeFileAtomic(found.file, rest.map((d, i) => (i > 0 && !d.directives?.docStart ? `---\n${d.toString()}` : d.toString())).join(''), 0o644);
}
