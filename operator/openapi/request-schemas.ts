import type { OpenApiOperation, OpenApiParameter } from '../../gateway/snapshot/types.ts';
import { isObject, type Json } from './document-operations.ts';
import { toJsonSchema } from './to-json-schema.ts';

/** OpenAPI: header parameters by these names are ignored (the HTTP machinery owns them). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json$/i;

/** The operation's parameters over the path item's (same name and place: the operation's wins); cookies are not checked. */
export function requestParameters(operation: Json, pathItem: Json, openapi30: boolean): OpenApiParameter[] {
  const merged = new Map<string, Json>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const p of list) if (isObject(p) && typeof p.name === 'string' && typeof p.in === 'string') merged.set(`${p.in} ${p.name}`, p);
  }
  const out: OpenApiParameter[] = [];
  for (const p of merged.values()) {
    const where = p.in as string;
    if (where !== 'path' && where !== 'query' && where !== 'header') continue;
    const name = where === 'header' ? (p.name as string).toLowerCase() : (p.name as string);
    if (where === 'header' && IGNORED_HEADERS.has(name)) continue;
    out.push({
      name,
      in: where,
      required: where === 'path' || p.required === true,
      ...(isObject(p.schema) ? { schema: toJsonSchema(p.schema, openapi30) } : {}),
    });
  }
  return out;
}

/** The body's media types; only JSON ones carry a schema, since only JSON bodies are checked. */
export function requestBody(operation: Json, openapi30: boolean): OpenApiOperation['requestBody'] | undefined {
  const body = operation.requestBody;
  if (!isObject(body) || !isObject(body.content)) return undefined;
  const content = Object.entries(body.content).map(([mediaType, media]) =>
    isObject(media) && isObject(media.schema) && JSON_MEDIA.test(mediaType) ? { mediaType, schema: toJsonSchema(media.schema, openapi30) } : { mediaType },
  );
  return { required: body.required === true, content };
}
