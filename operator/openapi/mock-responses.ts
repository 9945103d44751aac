import { sample } from 'openapi-sampler';
import type { OpenApiResponse } from '../../gateway/snapshot/types.ts';
import { isObject, type Json } from './document-operations.ts';
import type { OpenApiDocument } from './openapi-load.ts';

/** Media types the mock can make a body for from a schema; others answer only with the document's own examples. */
const GENERATED = /^(application\/([a-z0-9.+-]*\+)?json|text\/plain)$/i;
/** RFC 9110 token: what Node sends as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, spaces and tabs: what any client reads back as it was meant (and no line break to split the response). */
const HEADER_VALUE = /^[\x20-\x7e\t]*$/;
/** Examples are for people, not load tests: a generated one is cut off this deep. */
const MAX_SAMPLE_DEPTH = 5;

/** Success codes first, then the rest ascending (a class's range after its codes), `default` last: the mock answers with the first unless asked. */
function statusOrder(s: string): number {
  if (s === 'default') return 1000;
  // A range (`2XX`) after the exact codes of its class.
  const n = /^[1-5]XX$/i.test(s) ? Number(s[0]) * 100 + 99.5 : Number(s);
  if (!Number.isFinite(n)) return 999;
  return n >= 200 && n < 300 ? n - 1000 : n;
}

/** A circular reference the resolver left as `$ref` (perhaps to another file): an empty schema, so the sample stops there. */
function cutRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(cutRefs);
  if (!isObject(schema)) return schema;
  if (typeof schema.$ref === 'string') return {};
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, cutRefs(v)]));
}

function generated(schema: unknown, document: OpenApiDocument, mediaType: string): unknown {
  try {
    const value = sample(cutRefs(schema) as never, { skipWriteOnly: true, quiet: true, maxSampleDepth: MAX_SAMPLE_DEPTH }, document);
    return /^text\//i.test(mediaType) && typeof value !== 'string' ? JSON.stringify(value) : value;
  } catch {
    // A schema the sampler cannot follow: the response is sent without a body rather than refused.
    return undefined;
  }
}

/** The document's named examples, its single example, the schema's example, or one generated from the schema. */
function examplesOf(media: Json, mediaType: string, document: OpenApiDocument): Array<{ name: string; value: unknown }> {
  const named = isObject(media.examples)
    ? Object.entries(media.examples).flatMap(([name, e]) => (isObject(e) && 'value' in e ? [{ name, value: e.value }] : []))
    : [];
  if (named.length) return named;
  if ('example' in media) return [{ name: 'example', value: media.example }];
  if (!GENERATED.test(mediaType) || !isObject(media.schema)) return [];
  const value = generated(media.schema, document, mediaType);
  return value === undefined ? [] : [{ name: 'generated', value }];
}

function headerValue(header: Json, document: OpenApiDocument): string | undefined {
  const schema = isObject(header.schema) ? header.schema : undefined;
  const value =
    'example' in header
      ? header.example
      : schema && 'example' in schema
        ? schema.example
        : schema
          ? generated(schema, document, 'application/json')
          : undefined;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the mock answers for one operation: every declared response with its headers and examples per media type. */
export function mockResponses(operation: Json, document: OpenApiDocument): OpenApiResponse[] {
  const responses = isObject(operation.responses) ? operation.responses : {};
  return Object.keys(responses)
    .sort((a, b) => statusOrder(a) - statusOrder(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((status) => {
      const response = isObject(responses[status]) ? responses[status] : {};
      const headers = isObject(response.headers)
        ? Object.entries(response.headers).flatMap(([name, h]) => {
            const value = isObject(h) ? headerValue(h, document) : undefined;
            // Content-Type is the negotiated media type's; a name or value Node would refuse to send is left out.
            return value === undefined || name.toLowerCase() === 'content-type' || !HEADER_NAME.test(name) || !HEADER_VALUE.test(value)
              ? []
              : [{ name: name.toLowerCase(), value }];
          })
        : [];
      const content = isObject(response.content)
        ? Object.entries(response.content).flatMap(([mediaType, media]) =>
            isObject(media) && HEADER_VALUE.test(mediaType) ? [{ mediaType, examples: examplesOf(media, mediaType, document) }] : [],
          )
        : [];
      return { status, headers, content };
    });
}
