// `tollgate import openapi` as a platform team runs it: the real bin/tollgate on the
// public Swagger Petstore (3.0) and on a 3.1 document split over files with $refs;
// then `tollgate validate` on what it wrote, and `tollgate dev` serving it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoDir as root, tollgateCli as cli } from '../test/support/tollgate-cli.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { runDev, type DevServer } from '../dev/run-dev.ts';
import { devOptions } from '../test/support/dev-options.ts';

const testdata = join(root, 'operator/openapi/testdata');
const PETSTORE = join(testdata, 'petstore-3.0.yaml');
const LIBRARY = join(testdata, 'library-3.1/openapi.yaml');

const objects = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, any>);

describe('tollgate import openapi', () => {
  let dir: string;
  let dev: DevServer | undefined;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-import-'));
    const petstore = await cli('import', 'openapi', PETSTORE, '--product', '-o', join(dir, 'config'));
    expect(petstore.stderr).toContain('wrote');
    expect(petstore.code).toBe(0);
    const library = await cli('import', 'openapi', LIBRARY, '--mock', '--product', '-o', join(dir, 'config'));
    expect(library.code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await dev?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes name, context, version, auth and scopes from the Petstore document, and mocks it for want of an absolute server', () => {
    const [api, product] = objects(join(dir, 'config/swagger-petstore-openapi-3-0.yaml'));
    expect(api!.kind).toBe('API');
    expect(api!.spec).toMatchObject({
      context: '/api/v3',
      version: '1.0.26',
      lifecycle: 'Prototyped',
      auth: { apiKey: { header: 'api_key' }, oauth2: { enabled: true } },
    });
    // A path relative to the written file, so the two can be committed side by side or apart.
    expect(resolve(join(dir, 'config'), api!.spec.openAPI.file)).toBe(PETSTORE);
    expect(api!.spec.upstream).toBeUndefined();
    expect(api!.spec.operations).toBeUndefined();
    expect(product).toMatchObject({ kind: 'APIProduct', spec: { scopes: ['read:pets', 'write:pets'], apiKeys: 'Allowed', operations: [{ paths: ['/'] }] } });
  });

  it('takes the upstream from the first server of a 3.1 document, and its API key header', async () => {
    const r = await cli('import', 'openapi', LIBRARY);
    expect(r.code).toBe(0);
    const api = parse(r.stdout) as Record<string, any>;
    expect(api.spec).toMatchObject({ context: '/library', version: '2.1.0', lifecycle: 'Published', upstream: { urls: ['http://127.0.0.1:9/library'] } });
    expect(api.spec.auth).toEqual({ apiKey: { header: 'X-Library-Key' } });
  });

  it('converts a Swagger 2.0 document: upstream from host and basePath, an API key in the query', async () => {
    const out = join(dir, 'swagger');
    const r = await cli('import', 'openapi', join(testdata, 'inventory-swagger-2.0.yaml'), '-o', out);
    expect(r.code).toBe(0);
    const [api] = objects(join(out, 'legacy-inventory.yaml'));
    expect(readFileSync(join(out, 'legacy-inventory.yaml'), 'utf8')).toContain('(Swagger 2.0, converted)');
    expect(api!.spec).toMatchObject({ context: '/v1', version: '1.4', lifecycle: 'Published', upstream: { urls: ['https://inventory.example/v1'] } });
    expect(api!.spec.auth).toEqual({ apiKey: { queryParameter: 'api_key' } });
    const validated = await cli('validate', '--quiet', out);
    expect(validated.stdout).toContain('0 error(s), 0 warning(s)');
    const plan = JSON.parse((await cli('plan', '-o', 'json', out)).stdout) as { operations: Array<{ source: string; operations: Array<{ path: string }> }> };
    expect(plan.operations[0]).toMatchObject({ source: 'document', operations: [{ methods: ['GET', 'POST'], path: '/items' }] });
  });

  it('imports a directory of documents: one file each, other YAML beside them left alone', async () => {
    const out = join(dir, 'all');
    const r = await cli('import', 'openapi', testdata, '--mock', '-o', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['legacy-inventory.yaml', 'library.yaml', 'swagger-petstore-openapi-3-0.yaml']);
    expect((await cli('validate', '--quiet', out)).stdout).toContain('0 error(s), 0 warning(s)');
  });

  it('refuses an invalid document, naming its file and line', async () => {
    const r = await cli('import', 'openapi', 'operator/compiler/testdata/openapi-invalid-document/openapi.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('operator/compiler/testdata/openapi-invalid-document/openapi.yaml:18:');
  });

  it('writes YAML that tollgate validate accepts', async () => {
    const r = await cli('validate', '--quiet', join(dir, 'config'));
    expect(r.stdout).toContain('0 error(s), 0 warning(s)');
    expect(r.code).toBe(0);
  });

  it('writes YAML that tollgate dev serves: every Petstore operation answers from the document', async () => {
    dev = await runDev(devOptions(dir));
    base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
    const doc = parse(readFileSync(PETSTORE, 'utf8')) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    let answered = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const declared =
          Object.keys(op.responses)[0] === 'default' ? 200 : Number(Object.keys(op.responses).find((s) => s.startsWith('2')) ?? Object.keys(op.responses)[0]);
        const res = await fetch(`${base}/api/v3/1.0.26${path.replace(/\{[^}]+\}/g, '1')}`, {
          method: method.toUpperCase(),
          headers: { accept: 'application/json' },
        });
        expect([method, path, res.status]).toEqual([method, path, declared]);
        expect(res.headers.get('x-tollgate-mock')).toBe('true');
        await res.arrayBuffer();
        answered++;
      }
    }
    expect(answered).toBe(19);
    const pet = await fetch(`${base}/api/v3/1.0.26/pet/10`, { headers: { accept: 'application/json' } });
    expect(await pet.json()).toMatchObject({ id: 10, name: 'doggie', photoUrls: expect.any(Array) });
  });

  it('serves the 3.1 document with its $refs resolved: named examples, declared headers, Prefer', async () => {
    const books = await fetch(`${base}/library/2.1.0/books`);
    expect(books.status).toBe(200);
    expect(books.headers.get('x-total-count')).toBe('2');
    expect(((await books.json()) as unknown[]).length).toBe(2);
    const none = await fetch(`${base}/library/2.1.0/books`, { headers: { prefer: 'example=none' } });
    expect(await none.json()).toEqual([]);
    const missing = await fetch(`${base}/library/2.1.0/books/3`, { headers: { prefer: 'code=404' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    // The author's books refer back to the book: the circular $ref is cut, not followed for ever.
    const book = (await (await fetch(`${base}/library/2.1.0/books/1`)).json()) as { author: { name: string } };
    expect(book.author.name).toBe('Ursula K. Le Guin');
  });
});
