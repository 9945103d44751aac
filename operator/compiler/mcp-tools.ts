import { matchesPath, methodAllowed } from '../../gateway/router/path-match.ts';
import type { Api, McpTool, OpenApiOperation, OpenApiParameter, ProductMcp, ProductOperation } from '../../gateway/snapshot/types.ts';
import { documentOperations } from '../openapi/document-operations.ts';
import type { OpenApiDocument } from '../openapi/openapi-load.ts';
import { requestBody, requestParameters } from '../openapi/request-schemas.ts';
import { namespacedId } from '../resources/object-key.ts';
import type { ProductResource } from '../resources/types.ts';
import type { ConditionSet } from './conditions.ts';
import type { ApiOutcome } from './process-api.ts';

type ToolSpec = NonNullable<NonNullable<ProductResource['spec']['mcp']>['tools']>[number];
type Method = McpTool['method'];

const READ_ONLY = new Set(['GET', 'HEAD']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const TOOL_METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** One operation an API declares, as a tool is made from it: method and path template. */
export interface ToolOperation {
  method: Method;
  path: string;
  params: string[];
  /** The template's segments with each parameter as `*`, to ask the product's operations whether they cover it. */
  segments: string[];
  /** From the OpenAPI document: the default name, description and argument schema. */
  operationId?: string;
  summary?: string;
  inputSchema?: Record<string, unknown>;
}

/**
 * The one adapter between an API's operations and tools: the OpenAPI document's
 * operations (issue 14) with their parameter and body schemas when the API has one,
 * else the API's declared `operations` (path templates and methods, path parameters
 * only). Templates ending in `/**` or `/*` name no single request, and make no tool.
 */
export function toolOperations(api: ApiOutcome): ToolOperation[] {
  if (api.document) return openApiToolOperations(api.document);
  const out: ToolOperation[] = [];
  for (const op of api.resource.spec.operations ?? []) {
    if (op.path.endsWith('/**') || op.path.endsWith('/*') || op.path === '/') continue;
    const parts = op.path.slice(1).split('/');
    const params = parts.filter((p) => p.startsWith('{')).map((p) => p.slice(1, -1));
    const segments = parts.map((p) => (p.startsWith('{') ? '*' : p));
    // An operation without methods allows them all; as a tool it is read, the one safe reading.
    const methods = op.methods?.length ? op.methods : ['GET'];
    for (const method of methods) if (TOOL_METHODS.has(method)) out.push({ method: method as Method, path: op.path, params, segments });
  }
  return out;
}

/** The document's operations, with the JSON Schemas the compiler makes of their parameters and JSON body (as request validation uses), and their summaries. */
function openApiToolOperations(document: OpenApiDocument): ToolOperation[] {
  const openapi30 = typeof document['openapi'] === 'string' && document['openapi'].startsWith('3.0');
  const out: ToolOperation[] = [];
  for (const op of documentOperations(document).operations) {
    if (!TOOL_METHODS.has(op.method)) continue;
    const summary = str(op.operation['summary']) ?? str(op.operation['description']);
    const body = requestBody(op.operation, openapi30);
    const schema = openApiInputSchema(op.pathParams, requestParameters(op.operation, op.pathItem, openapi30), body);
    const tool: ToolOperation = {
      method: op.method as Method,
      path: op.path,
      params: op.pathParams.map((p) => p.name),
      segments: op.match.segments,
      inputSchema: schema,
    };
    if (op.operationId !== undefined) tool.operationId = op.operationId;
    if (summary !== undefined) tool.summary = summary;
    out.push(tool);
  }
  return out;
}

/** Path parameters as arguments of their own, query parameters under `query`, the JSON request body under `body`; headers are not arguments. */
function openApiInputSchema(
  pathParams: ReadonlyArray<{ name: string }>,
  parameters: readonly OpenApiParameter[],
  requestBody: OpenApiOperation['requestBody'] | undefined,
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const query: Record<string, unknown> = {};
  const queryRequired: string[] = [];
  for (const p of parameters) {
    if (p.in === 'path') {
      properties[p.name] = p.schema ?? { type: 'string' };
      required.push(p.name);
    } else if (p.in === 'query') {
      query[p.name] = p.schema ?? { type: 'string' };
      if (p.required) queryRequired.push(p.name);
    }
  }
  for (const { name } of pathParams) {
    if (name in properties) continue;
    properties[name] = { type: 'string' };
    required.push(name);
  }
  if (Object.keys(query).length) {
    properties['query'] = { type: 'object', properties: query, required: queryRequired, additionalProperties: false };
    if (queryRequired.length) required.push('query');
  }
  const json = requestBody?.content.find((c) => c.mediaType === 'application/json' || c.mediaType.endsWith('+json'));
  if (json) {
    properties['body'] = json.schema ?? {};
    if (requestBody!.required) required.push('body');
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Arguments: each path parameter, `query` (string values) and, for methods with a body, `body` (any JSON). */
export function toolInputSchema(op: ToolOperation): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const p of op.params) properties[p] = { type: 'string', description: `path parameter ${p}` };
  properties['query'] = { type: 'object', description: 'query parameters', additionalProperties: { type: 'string' } };
  if (WITH_BODY.has(op.method)) properties['body'] = { description: 'the JSON request body' };
  return { type: 'object', properties, required: [...op.params], additionalProperties: false };
}

/** The document's operationId, else the method and path: `get_current_by_city`. */
function defaultName(op: ToolOperation): string {
  if (op.operationId !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(op.operationId)) return op.operationId;
  const words = op.path
    .slice(1)
    .split('/')
    .map((p) => (p.startsWith('{') ? `by_${p.slice(1, -1)}` : p));
  return `${op.method.toLowerCase()}_${words.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
}

function covered(operations: readonly ProductOperation[], apiId: string, op: ToolOperation): boolean {
  return operations.some((o) => o.api === apiId && methodAllowed(o.methods, op.method) && o.paths.some((p) => matchesPath(p, op.segments, 0)));
}

/**
 * The product's tools: every operation its APIs declare that the product's operations
 * cover, named and described by the product where it says so, minus those it turns off;
 * for an API of type mcp, exactly the upstream tools the product lists.
 */
export function compileMcpTools(r: ProductResource, operations: readonly ProductOperation[], apis: Map<string, ApiOutcome>, cs: ConditionSet): ProductMcp {
  const specs = r.spec.mcp?.tools ?? [];
  const writeScope = r.spec.mcp?.writeScope;
  const tools = new Map<string, McpTool>();
  const add = (tool: McpTool, field: string) => {
    const twin = tools.get(tool.name);
    if (twin)
      cs.caveat('Invalid', `tool ${tool.name} is named twice (${twin.method} ${twin.path} and ${tool.method} ${tool.path}): the second is left out`, { field });
    else tools.set(tool.name, tool);
  };
  const apiIds = [...new Set(operations.map((o) => o.api))];
  for (const apiId of apiIds) {
    const outcome = apis.get(apiId)!;
    const api = outcome.api!;
    if (api.mcpUpstream) {
      specs.forEach((s, i) => {
        if (namespacedId(r.metadata.namespace, s.api) !== apiId || s.enabled === false) return;
        if (!s.tool)
          return cs.caveat('Invalid', `API ${apiId} is an MCP server: name the upstream tool to allow (tool)`, { field: `spec.mcp.tools[${i}].tool` });
        const tool: McpTool = {
          name: s.name ?? s.tool,
          description: s.description ?? '',
          api: apiId,
          method: 'POST',
          path: '',
          destructive: s.destructive ?? false,
          upstreamTool: s.tool,
        };
        if (writeScope && s.destructive) tool.scope = writeScope;
        add(tool, `spec.mcp.tools[${i}]`);
      });
      continue;
    }
    const declared = toolOperations(outcome);
    if (!declared.length) cs.acceptedMessage(`API ${apiId} declares no single operations, so it makes no MCP tools`);
    for (const op of declared) {
      if (!covered(operations, apiId, op)) continue;
      const i = specs.findIndex((s) => namespacedId(r.metadata.namespace, s.api) === apiId && s.method === op.method && s.path === op.path);
      const spec: ToolSpec | undefined = specs[i];
      if (spec?.enabled === false) continue;
      add(toolOf(api, op, spec, writeScope), i >= 0 ? `spec.mcp.tools[${i}]` : 'spec.mcp');
    }
  }
  return { tools: [...tools.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

function toolOf(api: Api, op: ToolOperation, spec: ToolSpec | undefined, writeScope: string | undefined): McpTool {
  const tool: McpTool = {
    name: spec?.name ?? defaultName(op),
    description: spec?.description ?? op.summary ?? `${op.method} ${api.displayName} ${op.path}`,
    api: api.id,
    method: op.method,
    path: op.path,
    destructive: spec?.destructive ?? !READ_ONLY.has(op.method),
    inputSchema: op.inputSchema ?? toolInputSchema(op),
  };
  if (writeScope && !READ_ONLY.has(op.method)) tool.scope = writeScope;
  return tool;
}
