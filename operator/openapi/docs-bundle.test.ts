import { describe, expect, it } from 'vitest';
import { docsBundle } from './docs-bundle.ts';

const document = {
  openapi: '3.1.0',
  info: { title: 'Shop', version: '1', description: 'Buy things', 'x-tollgate-owner': 'team-a' },
  servers: [{ url: 'http://shop.internal:8080/api' }, { url: 'http://10.0.0.1/api', 'x-internal': true }],
  'x-amazon-apigateway-integration': { credentials: 'arn:aws:iam::1:role/secret' },
  paths: {
    '/items': {
      servers: [{ url: 'http://items.internal' }],
      get: { operationId: 'listItems', servers: [{ url: 'http://items.internal' }], responses: { '200': { description: 'ok' } } },
      delete: { operationId: 'purge', 'x-internal': true, responses: { '204': { description: 'gone' } } },
    },
    '/admin': { 'x-internal': true, get: { responses: { '200': { description: 'ok' } } } },
  },
  components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'apikey', 'x-google-backend': { address: 'http://x' } } } },
};

describe('docsBundle', () => {
  const docs = docsBundle({ namespace: 'shop', name: 'shop', version: '1', basePath: '/shop/1' }, document);
  const text = JSON.stringify(docs);

  it('names the API version and takes title and description from the document', () => {
    expect(docs).toMatchObject({ namespace: 'shop', name: 'shop', version: '1', title: 'Shop', description: 'Buy things' });
  });

  it('replaces every server with the gateway-facing context path', () => {
    expect(docs.document.servers).toEqual([{ url: '/shop/1' }]);
    expect(text).not.toContain('internal');
    expect(text).not.toContain('10.0.0.1');
  });

  it('leaves out x-internal paths and operations', () => {
    expect(Object.keys(docs.document.paths as object)).toEqual(['/items']);
    expect(Object.keys((docs.document.paths as Record<string, object>)['/items']!)).toEqual(['get']);
  });

  it('keeps no vendor extension that may carry backend details or secrets', () => {
    expect(text).not.toMatch(/x-(tollgate|amazon|google|internal)/);
    expect(text).not.toContain('arn:aws');
  });

  it('serves per host when the API has hosts, and does not change its input', () => {
    const perHost = docsBundle({ namespace: 'shop', name: 'shop', version: '1', title: 'The Shop', basePath: '/shop/1', hosts: ['api.example.com'] }, document);
    expect(perHost.title).toBe('The Shop');
    expect(perHost.document.servers).toEqual([{ url: '//api.example.com/shop/1' }]);
    expect(document.servers).toHaveLength(2);
  });
});
