import type { ApiOpenApi, ApiOperation, OpenApiOperation } from '../../gateway/snapshot/types.ts';
import type { ConditionSet } from '../compiler/conditions.ts';
import { Reason } from '../compiler/conditions.ts';
import { samePathMatch } from '../compiler/paths.ts';
import type { ApiResource } from '../resources/types.ts';
import { bySpecificity, documentOperations, type DocumentOperation } from './document-operations.ts';
import { checkExamples } from './check-examples.ts';
import { checkSchemasCompile } from './check-schemas.ts';
import { mockResponses } from './mock-responses.ts';
import type { OpenApiDocument, OpenApiLoad } from './openapi-load.ts';
import { requestBody, requestParameters } from './request-schemas.ts';

export interface OpenApiOutcome {
  /** The document, valid and resolved; absent when there is none (or it is invalid). */
  document?: OpenApiDocument;
  /** The API's operations when spec.operations is omitted: the document's paths and methods. */
  derived?: ApiOperation[];
  /** For the snapshot, when the gateway mocks or validates anything. */
  openapi?: ApiOpenApi;
}

const FIELD = 'spec.openAPI';

/** Whether spec.openAPI names a document for the edge to read (a `url` alone is only a link). */
export function namesDocument(r: ApiResource): boolean {
  const o = r.spec.openAPI;
  return !!o && (o.inline !== undefined || o.file !== undefined || o.configMapRef !== undefined);
}

/** Turns a failed or missing document into conditions; the document when there is one. */
function usableDocument(r: ApiResource, load: OpenApiLoad | undefined, cs: ConditionSet): OpenApiDocument | undefined {
  if (!namesDocument(r)) return undefined;
  if (!load) {
    cs.note(Reason.RefNotChecked, 'the OpenAPI document was not read where this compile ran', { field: FIELD });
    return undefined;
  }
  if (load.ok) return load.document;
  if (load.missing) {
    cs.unresolved(Reason.RefNotFound, load.problems[0]?.message ?? `${load.origin} not found`, { field: FIELD, ref: load.missing });
    cs.notAccepted(Reason.RefNotFound, `the OpenAPI document ${load.origin} cannot be read`, { field: FIELD });
    return undefined;
  }
  for (const p of load.problems) {
    if (p.reference) cs.notAccepted(Reason.Invalid, p.message, { field: FIELD });
    else
      cs.notAccepted(Reason.Invalid, `OpenAPI document ${p.file}:${p.line}: ${p.message}`, {
        field: FIELD,
        location: { file: p.file, line: p.line, column: p.column },
      });
  }
  return undefined;
}

/** The gateway's operation table from the document: one entry per path, its methods sorted. */
function derivedOperations(ops: DocumentOperation[]): ApiOperation[] {
  const byPath: ApiOperation[] = [];
  for (const op of ops) {
    const twin = byPath.find((o) => samePathMatch(o.match, op.match));
    if (twin) {
      if (!twin.methods.includes(op.method)) twin.methods = [...twin.methods, op.method].sort();
    } else byPath.push({ match: op.match, methods: [op.method] });
  }
  return byPath;
}

/** spec.operations entries (path and method) that the document does not describe. */
function flagUndescribed(r: ApiResource, ops: DocumentOperation[], compiled: ApiOperation[] | undefined, cs: ConditionSet): void {
  if (!compiled || !r.spec.operations) return;
  for (const [i, declared] of r.spec.operations.entries()) {
    const match = compiled.find((c) => c.match.pattern === declared.path)?.match;
    if (!match) continue;
    const described = ops.filter((op) => samePathMatch(op.match, match)).map((op) => op.method);
    const methods = declared.methods?.length ? declared.methods : ['*'];
    const missing = methods.filter((m) => (m === '*' ? !described.length : !described.includes(m)));
    if (missing.length)
      cs.caveat(Reason.NotInDocument, `${missing.join(',')} ${declared.path} is not described by the OpenAPI document`, { field: `spec.operations[${i}]` });
  }
}

function gatewayOperation(op: DocumentOperation, document: OpenApiDocument, validate: boolean, mock: boolean, openapi30: boolean): OpenApiOperation {
  const flag = op.operation['x-tollgate-validate'];
  const validateRequest = typeof flag === 'boolean' ? flag : validate;
  const body = validateRequest ? requestBody(op.operation, openapi30) : undefined;
  return {
    method: op.method,
    match: op.match,
    ...(op.operationId !== undefined ? { operationId: op.operationId } : {}),
    pathParams: op.pathParams,
    validateRequest,
    // Schemas and examples only where the gateway reads them: the snapshot goes to every replica.
    parameters: validateRequest ? requestParameters(op.operation, op.pathItem, openapi30) : [],
    ...(body ? { requestBody: body } : {}),
    responses: mock ? mockResponses(op.operation, document) : [],
  };
}

/**
 * What an API's OpenAPI document gives it: operations when spec.operations is
 * omitted, warnings for declared operations it does not describe, and for the
 * gateway, the mock of a Prototyped API without an upstream and the request
 * validation schemas. Pure: the document was read and resolved at the edge.
 */
export function compileOpenApi(r: ApiResource, load: OpenApiLoad | undefined, declared: ApiOperation[] | undefined, cs: ConditionSet): OpenApiOutcome {
  const document = usableDocument(r, load, cs);
  const mock = r.spec.lifecycle === 'Prototyped' && !r.spec.upstream;
  if (!document) {
    if (mock && cs.isAccepted)
      cs.notAccepted(Reason.Invalid, 'a Prototyped API without an upstream is mocked from its OpenAPI document, and it has none', { field: FIELD });
    return {};
  }
  const { operations, unmatchable } = documentOperations(document);
  for (const path of unmatchable) cs.caveat(Reason.Invalid, `the document's path ${JSON.stringify(path)} cannot be matched and is left out`, { field: FIELD });
  flagUndescribed(r, operations, declared, cs);
  const validate = r.spec.openAPI?.validateRequests ?? false;
  const openapi30 = typeof document.openapi === 'string' && document.openapi.startsWith('3.0');
  const gatewayOps = bySpecificity(operations).map((op) => gatewayOperation(op, document, validate, mock, openapi30));
  checkSchemasCompile(gatewayOps, cs);
  if (mock && r.spec.openAPI?.validateResponses) checkExamples(gatewayOps, operations, openapi30, cs);
  const outcome: OpenApiOutcome = { document };
  if (!r.spec.operations) outcome.derived = derivedOperations(operations);
  if (mock || gatewayOps.some((o) => o.validateRequest)) outcome.openapi = { mock, operations: gatewayOps };
  return outcome;
}
