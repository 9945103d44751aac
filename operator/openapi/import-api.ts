import { API_VERSION } from '../resources/types.ts';
import { isObject, type Json } from './document-operations.ts';
import type { OpenApiDocument } from './openapi-load.ts';

export interface ImportOptions {
  /** metadata.name; default: the document's title as a DNS label. */
  name?: string;
  namespace?: string;
  /** The upstream URL instead of the document's first server. */
  upstream?: string;
  /** Import as a Prototyped API the gateway mocks from the document, whatever its servers say. */
  mock?: boolean;
  /** Also write an APIProduct that offers every operation, with the OAuth2 scopes as its scopes. */
  product?: boolean;
  /** How the API refers to its document: a path relative to the written YAML, or the text itself. */
  document: { file: string } | { inline: string };
}

export interface ImportResult {
  objects: Json[];
  /** What could not be carried over, for the person running the import. */
  notes: string[];
}

const LABEL_MAX = 63;

/** `Swagger Petstore - OpenAPI 3.0` -> `swagger-petstore-openapi-3-0`: a DNS label, as Kubernetes names want. */
export function dnsLabel(text: string): string {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, LABEL_MAX)
    .replace(/-+$/, '');
  return label || 'api';
}

/** A server URL with its variables' defaults filled in. */
function serverUrl(server: Json): string | undefined {
  if (typeof server.url !== 'string') return undefined;
  const variables = isObject(server.variables) ? server.variables : {};
  return server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = variables[name];
    return isObject(v) && typeof v.default === 'string' ? v.default : whole;
  });
}

/** The context from the first server's path (`/api/v3`), else `/<name>`; each segment made to fit the CRD's pattern. */
function contextOf(urls: string[], name: string): string {
  const first = urls[0];
  let path = '';
  if (first !== undefined) {
    try {
      path = new URL(first, 'http://relative.invalid').pathname;
    } catch {
      path = '';
    }
  }
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/[^A-Za-z0-9._~-]/g, '-').replace(/^[.]+/, ''))
    .filter(Boolean);
  return segments.length ? `/${segments.join('/')}` : `/${name}`;
}

/** The version from info.version, made to fit the CRD's pattern (`1.0.26-SNAPSHOT` stays; `v 2` becomes `v-2`). */
function versionOf(info: Json): string {
  const raw = typeof info.version === 'string' ? info.version : '1';
  const v = raw.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (v || '1').slice(0, 64);
}

/** auth from securitySchemes: API key header or query name, OAuth2 (the built-in token service) with its scopes. */
function authOf(doc: OpenApiDocument, notes: string[]): { auth: Json; scopes: string[] } {
  const components = isObject(doc.components) ? doc.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const auth: Json = {};
  const scopes = new Set<string>();
  for (const [id, scheme] of Object.entries(schemes)) {
    if (!isObject(scheme)) continue;
    if (scheme.type === 'apiKey' && typeof scheme.name === 'string') {
      if (scheme.in === 'header' && /^[A-Za-z0-9_-]+$/.test(scheme.name)) auth.apiKey = { ...(auth.apiKey as Json), header: scheme.name };
      else if (scheme.in === 'query' && /^[A-Za-z0-9_.-]+$/.test(scheme.name)) auth.apiKey = { ...(auth.apiKey as Json), queryParameter: scheme.name };
      else notes.push(`security scheme ${id}: an API key in ${String(scheme.in)} ${scheme.name} is not supported; the default header apikey is used`);
    } else if (scheme.type === 'oauth2') {
      const flows = isObject(scheme.flows) ? Object.values(scheme.flows) : [];
      for (const flow of flows) if (isObject(flow) && isObject(flow.scopes)) for (const s of Object.keys(flow.scopes)) scopes.add(s);
      auth.oauth2 = { enabled: true };
    } else if (scheme.type === 'openIdConnect' || (scheme.type === 'http' && scheme.scheme === 'bearer')) {
      notes.push(`security scheme ${id}: external JWTs need an issuer and a JWKS URI; add them under spec.auth.jwt`);
    } else notes.push(`security scheme ${id} (${String(scheme.type)}) has no Tollgate equivalent and is left out`);
  }
  return { auth, scopes: [...scopes].sort() };
}

/**
 * A ready API (and optionally an APIProduct) for an OpenAPI document, as `tollgate
 * import openapi` writes it: name and version from `info`, context and upstream
 * from the first server, auth from `securitySchemes`, operations left to the
 * document. A document whose servers give no absolute URL (or `mock`) becomes a
 * Prototyped API the gateway serves from its examples until there is a backend.
 */
export function importApi(doc: OpenApiDocument, options: ImportOptions): ImportResult {
  const notes: string[] = [];
  const info = isObject(doc.info) ? doc.info : {};
  const title = typeof info.title === 'string' ? info.title : undefined;
  const name = options.name ?? dnsLabel(title ?? 'api');
  const servers = (Array.isArray(doc.servers) ? doc.servers : []).filter(isObject);
  const urls = servers.flatMap((s) => serverUrl(s) ?? []);
  const upstreamUrl = options.mock ? undefined : (options.upstream ?? urls.find((u) => /^https?:\/\/[^\s/?#]+/.test(u) && !u.includes('{')));
  if (!upstreamUrl && !options.mock)
    notes.push(
      'no server with an absolute http(s) URL: imported as a Prototyped API the gateway mocks from the document (add spec.upstream when the backend exists)',
    );
  const { auth, scopes } = authOf(doc, notes);
  const spec: Json = {
    ...(title ? { displayName: title.slice(0, 256) } : {}),
    ...(typeof info.description === 'string' ? { description: info.description.slice(0, 4096) } : {}),
    context: contextOf(options.upstream ? [options.upstream] : urls, name),
    version: versionOf(info),
    lifecycle: upstreamUrl ? 'Published' : 'Prototyped',
    ...(upstreamUrl ? { upstream: { urls: [upstreamUrl.replace(/\/+$/, '')] } } : {}),
    ...(Object.keys(auth).length ? { auth } : {}),
    openAPI: options.document,
  };
  const metadata = { name, ...(options.namespace ? { namespace: options.namespace } : {}) };
  const objects: Json[] = [{ apiVersion: API_VERSION, kind: 'API', metadata, spec }];
  if (options.product) {
    objects.push({
      apiVersion: API_VERSION,
      kind: 'APIProduct',
      metadata,
      spec: {
        displayName: title ?? name,
        access: 'public',
        approvalType: 'auto',
        ...(scopes.length ? { scopes } : {}),
        // A product with scopes refuses API keys unless told: the document offers both.
        ...(scopes.length && auth.apiKey ? { apiKeys: 'Allowed' } : {}),
        operations: [{ api: name, paths: ['/'] }],
      },
    });
  }
  return { objects, notes };
}
