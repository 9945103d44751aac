// The portal's JSON API, documented. A test checks that every /api route is here and every path here is served.
const problem = { description: 'A refusal', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const json = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const refusals = { '400': problem, '401': problem, '403': problem, '404': problem, '409': problem };
const ns = { name: 'ns', in: 'path', required: true, schema: { type: 'string' } };
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const dryRun = { name: 'dryRun', in: 'query', schema: { type: 'boolean' }, description: 'Apply nothing; answer the YAML the action would apply.' };
const write = (summary: string, body?: Record<string, unknown>) => ({
  summary,
  security: [{ session: [], csrf: [] }],
  parameters: [dryRun],
  ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
  responses: {
    '200': json('Applied, or the dry run', { $ref: '#/components/schemas/Applied' }),
    '201': json('Applied', { $ref: '#/components/schemas/Applied' }),
    ...refusals,
  },
});

export const PORTAL_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Tollgate developer portal API',
    version: 'v1alpha1',
    description:
      'Everything the portal pages do. Reads use the session cookie (or none, for public products when the portal allows anonymous visitors). Writes need the session cookie and the `x-csrf-token` header (from `GET /api/me`). Every write takes `?dryRun=true` and answers the YAML it would apply.',
  },
  paths: {
    '/api/openapi.json': { get: { summary: 'This document', responses: { '200': json('OpenAPI 3.1') } } },
    '/api/me': { get: { summary: 'The signed-in user and the CSRF token for writes', responses: { '200': json('Who', { $ref: '#/components/schemas/Me' }) } } },
    '/api/products': {
      get: {
        summary: 'The catalogue: products the caller may see, searched',
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string' } },
          { name: 'category', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
        ],
        responses: { '200': json('Products') },
      },
    },
    '/api/products/{ns}/{name}': {
      get: { summary: 'One product, with plans in words and its APIs', parameters: [ns, name], responses: { '200': json('Product'), '404': problem } },
    },
    '/api/apis/{ns}/{name}': {
      get: { summary: 'One API version, with its OpenAPI document', parameters: [ns, name], responses: { '200': json('API'), '404': problem } },
    },
    '/api/applications': {
      get: { summary: "Applications of the caller's teams", responses: { '200': json('Applications'), '401': problem } },
      post: write('Create an Application (its first credential is shown once in the answer)', {
        type: 'object',
        required: ['namespace', 'name'],
        properties: { namespace: { type: 'string' }, name: { type: 'string' }, displayName: { type: 'string' }, description: { type: 'string' } },
      }),
    },
    '/api/applications/{ns}/{name}': {
      get: {
        summary: 'An application: credentials, subscriptions, usage in the current window',
        parameters: [ns, name],
        responses: { '200': json('Application'), ...refusals },
      },
    },
    '/api/applications/{ns}/{name}/subscriptions': {
      post: {
        ...write('Subscribe the application to a product', {
          type: 'object',
          required: ['product'],
          properties: { product: { type: 'string', description: 'namespace/name' }, plan: { type: 'string' } },
        }),
        parameters: [ns, name, dryRun],
      },
    },
    '/api/applications/{ns}/{name}/subscriptions/{sub}': {
      delete: {
        ...write('Unsubscribe (delete the Subscription)'),
        parameters: [ns, name, { name: 'sub', in: 'path', required: true, schema: { type: 'string' } }, dryRun],
      },
    },
    '/api/applications/{ns}/{name}/credentials': {
      post: { ...write('Rotate: add a credential (shown once in the answer); the old one works until revoked'), parameters: [ns, name, dryRun] },
    },
    '/api/applications/{ns}/{name}/credentials/{cred}/revoke': {
      post: { ...write('Revoke a credential'), parameters: [ns, name, { name: 'cred', in: 'path', required: true, schema: { type: 'string' } }, dryRun] },
    },
    '/api/approvals': { get: { summary: 'Subscriptions waiting for approval (approvers only)', responses: { '200': json('Pending'), ...refusals } } },
    '/api/approvals/{ns}/{name}': {
      post: {
        ...write('Approve or reject a pending subscription, with a reason', {
          type: 'object',
          required: ['decision'],
          properties: { decision: { enum: ['Approved', 'Rejected'] }, reason: { type: 'string' } },
        }),
        parameters: [ns, name, dryRun],
      },
    },
  },
  components: {
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'tollgate-session' },
      csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
    },
    schemas: {
      Problem: {
        type: 'object',
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' } },
      },
      Me: { type: 'object', properties: { user: { type: ['object', 'null'] }, csrfToken: { type: 'string' } } },
      Applied: {
        type: 'object',
        properties: {
          dryRun: { type: 'boolean' },
          target: { type: 'string' },
          yaml: { type: 'string' },
          credential: {
            type: 'object',
            properties: { application: { type: 'string' }, name: { type: 'string' }, consumerKey: { type: 'string' }, consumerSecret: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;
