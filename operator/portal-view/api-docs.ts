import type { ApiDocs } from '../openapi/docs-bundle.ts';
import type { ApiResource } from '../resources/types.ts';

export type { ApiDocs };

/**
 * The compiler's docs bundle with its servers made absolute: the bundle names the
 * gateway's base path (`/petstore/1.0.0`), which the portal's try-out console must
 * call at the gateway's origin, not the portal's.
 */
export function atGateway(docs: ApiDocs, gatewayOrigin: string): ApiDocs {
  const servers = docs.document.servers;
  if (!Array.isArray(servers) || !gatewayOrigin) return docs;
  const absolute = servers.map((s: unknown) => {
    const url = (s as { url?: unknown }).url;
    return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? { ...(s as object), url: `${gatewayOrigin}${url}` } : s;
  });
  return { ...docs, document: { ...docs.document, servers: absolute } };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;

/**
 * An OpenAPI 3.1 document drawn from what the API declares (its operations, its
 * credentials), for an API without a document of its own (`spec.openAPI`), so
 * every API has a reference and a try-out console. Pure: the gateway's origin is a parameter.
 */
export function synthesisedDocs(api: ApiResource, gatewayOrigin: string): ApiDocs {
  const { spec, metadata } = api;
  const title = spec.displayName ?? metadata.name;
  const paths: Record<string, Record<string, unknown>> = {};
  const operations = spec.operations?.length ? spec.operations : [{ path: '/', methods: undefined }];
  for (const op of operations) {
    const path = openApiPath(op.path);
    const entry = (paths[path] ??= {});
    const parameters = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const method of op.methods?.length ? op.methods : (['GET'] as const)) {
      if (!METHODS.includes(method)) continue;
      entry[method.toLowerCase()] = {
        summary: `${method} ${path}`,
        ...(parameters.length ? { parameters } : {}),
        responses: { default: { description: 'The upstream answer, or a problem+json refusal from the gateway.' } },
      };
    }
  }
  const security = securityOf(api);
  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: { title, version: spec.version, ...(spec.description ? { description: spec.description } : {}) },
    servers: [{ url: `${gatewayOrigin}${spec.context}/${spec.version}` }],
    paths,
    ...security,
  };
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    version: spec.version,
    title,
    ...(spec.description ? { description: spec.description } : {}),
    document,
  };
}

/** Product path templates to OpenAPI's: `/` stays, `/**` and `/*` become a path parameter. */
function openApiPath(path: string): string {
  if (path === '/' || path === '') return '/';
  return path.replace(/\/\*\*$/, '/{rest}').replace(/\/\*(?=\/|$)/g, '/{segment}');
}

function securityOf(api: ApiResource): Record<string, unknown> {
  const auth = api.spec.auth;
  if (auth?.none) return {};
  const schemes: Record<string, unknown> = {};
  const security: Array<Record<string, string[]>> = [];
  if (auth?.apiKey?.enabled ?? true) {
    schemes.apiKey = { type: 'apiKey', in: 'header', name: auth?.apiKey?.header ?? 'apikey' };
    security.push({ apiKey: [] });
  }
  if (auth?.oauth2?.enabled ?? true) {
    schemes.bearer = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
    security.push({ bearer: [] });
  }
  return { components: { securitySchemes: schemes }, security };
}
