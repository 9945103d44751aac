import { HTTP_METHODS, isObject, type Json } from './document-operations.ts';

/** One API version's documentation as the developer portal shows it. */
export interface ApiDocs {
  namespace: string;
  name: string;
  version: string;
  title: string;
  description?: string;
  /**
   * The sanitised OpenAPI document: `servers` replaced by the gateway-facing
   * context path, `x-internal` paths and operations left out, and no vendor
   * extension that may carry backend details or secrets.
   */
  document: Record<string, unknown>;
}

export interface DocsInput {
  namespace: string;
  name: string;
  version: string;
  /** The API's displayName, else the document's title, else its name. */
  title?: string;
  description?: string;
  /** Where the gateway serves this version: `/petstore/1.0.0`. */
  basePath: string;
  /** Host names the API answers on; none means any host. */
  hosts?: readonly string[];
}

/** Extensions that say how the backend is reached or how the gateway treats it: never shown to a developer. */
const PRIVATE_EXTENSION = /^x-(internal|tollgate|amazon-apigateway|google-backend|kong|wso2)/i;

/** A deep copy without private extensions and without anything marked `x-internal: true`. */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isObject(v) && v['x-internal'] === true)).map(scrub);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (PRIVATE_EXTENSION.test(key)) continue;
    if (isObject(v) && v['x-internal'] === true) continue;
    out[key] = scrub(v);
  }
  return out;
}

/** Path items and operations lose their own `servers`: every call goes through the gateway. */
function withoutServers(paths: unknown): unknown {
  if (!isObject(paths)) return paths;
  const out: Json = {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const copy: Json = { ...item };
    delete copy.servers;
    for (const method of HTTP_METHODS) {
      if (isObject(copy[method])) {
        const op: Json = { ...copy[method] };
        delete op.servers;
        copy[method] = op;
      }
    }
    out[path] = copy;
  }
  return out;
}

/**
 * The docs bundle of one API version, for the portal: a pure function of the
 * resolved document and where the gateway serves it. The document's own
 * `servers` (the upstream, often internal) never appear; the gateway's do.
 */
export function docsBundle(input: DocsInput, document: Record<string, unknown>): ApiDocs {
  const scrubbed = scrub(document) as Json;
  const info = isObject(scrubbed.info) ? scrubbed.info : {};
  const servers = input.hosts?.length ? input.hosts.map((h) => ({ url: `//${h}${input.basePath}` })) : [{ url: input.basePath }];
  const sanitised: Json = { ...scrubbed, servers, paths: withoutServers(scrubbed.paths) };
  const title = input.title ?? (typeof info.title === 'string' ? info.title : input.name);
  const description = input.description ?? (typeof info.description === 'string' ? info.description : undefined);
  return {
    namespace: input.namespace,
    name: input.name,
    version: input.version,
    title,
    ...(description !== undefined ? { description } : {}),
    document: sanitised,
  };
}
