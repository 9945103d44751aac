// A worker of YamlParseCache.prefetch: parses the files it is given and posts
// back [content hash, cache entry] for each one the cache can keep.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { displayPath, parseYamlDocuments } from '../loader/read-documents.ts';
import { cacheEntry } from './yaml-parse-cache.ts';

const entries: Array<[string, string]> = [];
for (const file of workerData as string[]) {
  try {
    const text = readFileSync(file, 'utf8');
    const json = cacheEntry(parseYamlDocuments(displayPath(file), text));
    if (json !== undefined) entries.push([createHash('sha256').update(text).digest('hex'), json]);
  } catch {
    // Left to the main thread, which reports what is wrong with the file.
  }
}
parentPort!.postMessage(entries);
