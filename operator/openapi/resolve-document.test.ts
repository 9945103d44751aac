import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDocument } from './resolve-document.ts';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-openapi-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inline = (text: string, lineOffset = 0) => resolveDocument({ text, file: 'apis.yaml', lineOffset }, 'inline');

describe('resolveDocument', () => {
  it.each([
    {
      name: 'a schema violation, at the line of the field',
      text: 'openapi: 3.0.3\ninfo:\n  title: T\npaths: {}\n',
      offset: 0,
      want: { line: 2, message: "REQUIRED must have required property 'version'", pointer: '/info' },
    },
    {
      name: 'a violation inside an inline document, at its line in the API file',
      text: 'openapi: 3.1.0\ninfo: { title: T, version: "1" }\npaths:\n  /a:\n    get:\n      responses:\n        "200": { descriptio: x }\n',
      offset: 20,
      want: { line: 27, pointer: '/paths/~1a/get/responses/200' },
    },
    { name: 'a YAML error', text: 'openapi: 3.1.0\ninfo: [\n', offset: 0, want: { line: 3 } },
    { name: 'not an OpenAPI document', text: 'kind: API\n', offset: 0, want: { line: 1, message: expect.stringContaining('not an OpenAPI document') } },
    {
      name: 'a rule beyond the schema (a duplicated operationId), at the line that names it',
      text: 'openapi: 3.0.3\ninfo: { title: T, version: "1" }\npaths:\n  /a:\n    get: { operationId: same, responses: { "200": { description: ok } } }\n  /b:\n    get: { operationId: same, responses: { "200": { description: ok } } }\n',
      offset: 0,
      want: { line: 5, message: expect.stringContaining('same') },
    },
  ])('refuses $name', async ({ text, offset, want }) => {
    const load = await inline(text, offset);
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.problems[0]).toMatchObject({ file: 'apis.yaml', ...want });
  });

  it('converts Swagger 2.0 to OpenAPI 3.0', async () => {
    const load = await inline(
      'swagger: "2.0"\ninfo: { title: Old, version: "1" }\nhost: old.example\nbasePath: /v1\nschemes: [https]\npaths:\n  /pets:\n    get:\n      produces: [application/json]\n      responses:\n        "200": { description: ok, schema: { type: array, items: { $ref: "#/definitions/Pet" } } }\ndefinitions:\n  Pet: { type: object, properties: { name: { type: string, example: rex } } }\n',
    );
    expect(load.ok).toBe(true);
    if (!load.ok) return;
    expect(load.convertedFrom).toBe('2.0');
    expect(load.document.openapi).toMatch(/^3\.0/);
    expect(load.document.servers).toEqual([{ url: 'https://old.example/v1' }]);
    const schema = (load.document.paths as any)['/pets'].get.responses['200'].content['application/json'].schema;
    expect(schema).toEqual({ type: 'array', items: { type: 'object', properties: { name: { type: 'string', example: 'rex' } } } });
  });

  it("follows a file's relative $refs, and keeps a cycle as a $ref", async () => {
    writeFileSync(join(dir, 'schemas.yaml'), 'Node:\n  type: object\n  properties:\n    name: { type: string }\n    next: { $ref: "#/Node" }\n');
    const text =
      'openapi: 3.1.0\ninfo: { title: T, version: "1" }\npaths:\n  /n:\n    get:\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json: { schema: { $ref: "./schemas.yaml#/Node" } }\n';
    const path = join(dir, 'openapi.yaml');
    writeFileSync(path, text);
    const load = await resolveDocument({ text, file: 'openapi.yaml', lineOffset: 0, path }, 'openapi.yaml');
    expect(load.ok).toBe(true);
    if (!load.ok) return;
    const schema = (load.document.paths as any)['/n'].get.responses['200'].content['application/json'].schema;
    expect(schema.properties.name).toEqual({ type: 'string' });
    // Expanded until the next step would enter the same schema again: that step stays a reference into the document.
    expect(schema.properties.next.properties.next.$ref).toMatch(/^#\//);
    expect(JSON.stringify(load.document).length).toBeLessThan(10_000);
  });

  it('does not follow references out of an inline or ConfigMap document', async () => {
    writeFileSync(join(dir, 'secret.yaml'), 'Secret: { type: string, example: do-not-read }\n');
    const load = await inline(
      `openapi: 3.1.0\ninfo: { title: T, version: "1" }\npaths:\n  /s:\n    get:\n      responses:\n        "200": { description: ok, content: { application/json: { schema: { $ref: "${join(dir, 'secret.yaml')}#/Secret" } } } }\n`,
    );
    expect(JSON.stringify(load)).not.toContain('do-not-read');
  });
});
