// The benchmarked gateway (API key, quota, metrics, access log, memory store) with the
// bench API's POST /greet described by an OpenAPI operation: `off` forwards as the
// plain gateway does, `on` validates the JSON body first, `mock` answers from an example.
import { pino } from 'pino';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import { logDestination } from '../../gateway/log/log-destination.ts';
import { createGateway } from '../../gateway/server/create-gateway.ts';
import type { ApiOpenApi } from '../../gateway/snapshot/types.ts';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';
import { benchSnapshot } from './bench-snapshot.ts';

const [port, upstream, key, mode] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!, process.argv[5] as 'off' | 'on' | 'mock'];

/** A small order: the body every request sends. */
export const GREETING_SCHEMA = {
  type: 'object',
  required: ['name', 'language'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    language: { type: 'string', enum: ['en', 'fr', 'de', 'nl'] },
    times: { type: 'integer', minimum: 1, maximum: 10 },
    tags: { type: 'array', maxItems: 5, items: { type: 'string' } },
  },
};

const openapi: ApiOpenApi = {
  mock: mode === 'mock',
  operations: [
    {
      method: 'POST',
      match: { pattern: '/greet', segments: ['greet'], rest: 'none' },
      pathParams: [],
      validateRequest: mode !== 'off',
      parameters: [{ name: 'lang', in: 'query', required: false, schema: { type: 'string', maxLength: 5 } }],
      requestBody: { required: true, content: [{ mediaType: 'application/json', schema: GREETING_SCHEMA }] },
      responses: [{ status: '200', headers: [], content: [{ mediaType: 'application/json', examples: [{ name: 'hello', value: { hello: 'world' } }] }] }],
    },
  ],
};

const { version: _, ...base } = benchSnapshot(upstream, key);
const snapshot = mode === 'off' ? benchSnapshot(upstream, key) : sealSnapshot({ ...base, apis: base.apis.map((a) => ({ ...a, openapi })) });

const gateway = await createGateway({
  proxyPort: port,
  adminPort: 0,
  host: '127.0.0.1',
  limitStore: createLimitStore({}),
  logger: pino(logDestination({ dest: '/dev/null' })),
});
const result = gateway.applySnapshot(snapshot);
if (!result.ok) throw new Error(result.errors.join('; '));
process.once('SIGTERM', () => process.exit(0));
console.log(JSON.stringify({ ready: true, port: gateway.proxyPort }));
