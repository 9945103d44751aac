import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { displayPath, DEFAULT_MAX_FILE_BYTES } from '../loader/read-documents.ts';
import { objectId, type ApiResource } from '../resources/types.ts';
import type { OpenApiSource } from './openapi-load.ts';

/** Where an API's document is, or why it cannot be read here. */
export type SourceRead =
  | { source: OpenApiSource; origin: string }
  | { problem: string; origin: string; file: string; missing?: { kind: 'ConfigMap'; id: string } };

/** Reads a ConfigMap key: its text, `undefined` when the ConfigMap or key does not exist. */
export type ConfigMapReader = (namespace: string, name: string, key: string) => Promise<string | undefined>;

export interface SourceOptions {
  /** In a cluster: ConfigMaps. Absent in a directory, where a configMapRef cannot be followed. */
  configMaps?: ConfigMapReader;
  /** A directory (tollgate dev, validate): file references are followed, relative to the API's own file. */
  files: boolean;
  maxFileBytes?: number;
}

function inline(r: ApiResource, text: string): OpenApiSource {
  const file = r.source?.file ?? `API ${objectId(r)} spec.openAPI.inline`;
  // A block scalar's text starts on the line after its key.
  return { text, file, lineOffset: r.source?.openApiInlineLine ?? 0 };
}

/** The file's text, refusing one larger than the loader's limit for any YAML it reads. */
function readText(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new Error(`the file has ${size} bytes, over the limit of ${max} (raise it with --max-file-bytes)`);
    const buffer = Buffer.alloc(size);
    readSync(fd, buffer, 0, size, 0);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Finds the text of the document spec.openAPI names: inline, a file beside the API's own, or a ConfigMap key. */
export async function readDocumentSource(r: ApiResource, options: SourceOptions): Promise<SourceRead | undefined> {
  const o = r.spec.openAPI;
  if (!o) return undefined;
  if (o.inline !== undefined) return { source: inline(r, o.inline), origin: 'inline' };
  const here = r.source?.file ?? `API ${objectId(r)}`;
  if (o.file !== undefined) {
    if (!options.files || !r.source) {
      return { origin: o.file, file: here, problem: 'spec.openAPI.file is followed by tollgate dev and tollgate validate only; in a cluster use configMapRef' };
    }
    const path = resolve(dirname(r.source.file), o.file);
    try {
      return { source: { text: readText(path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES), file: displayPath(path), lineOffset: 0, path }, origin: o.file };
    } catch (err) {
      // The error's code, not its message: the message names the absolute path, which differs per checkout.
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message);
      return { origin: o.file, file: here, problem: `cannot read ${o.file}: ${why}` };
    }
  }
  if (o.configMapRef !== undefined) {
    const { name, key } = o.configMapRef;
    const origin = `configmap ${r.metadata.namespace}/${name} key ${key}`;
    if (!options.configMaps) return { origin, file: here, problem: 'a configMapRef is read in a cluster; tollgate dev and validate follow spec.openAPI.file' };
    try {
      const text = await options.configMaps(r.metadata.namespace, name, key);
      if (text === undefined)
        return { origin, file: here, problem: `${origin} not found`, missing: { kind: 'ConfigMap', id: `${r.metadata.namespace}/${name}` } };
      return { source: { text, file: origin, lineOffset: 0 }, origin };
    } catch (err) {
      return { origin, file: here, problem: `cannot read ${origin}: ${(err as Error).message}` };
    }
  }
  return undefined;
}
