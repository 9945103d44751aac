// Loader tests on real files in a temporary directory: what loads, what is
// ignored with a note, and every kind of error with its file, line, column,
// object and field. Expected lines and columns are found from a marker text in
// the file (the line that holds it, and the column where it starts), so each
// row says in plain words where the loader must point.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from './diagnostic.ts';
import { loadPaths } from './load.ts';
import { displayPath } from './read-documents.ts';

const examples = new URL('../../examples/', import.meta.url).pathname;

let root: string;
let seq = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tollgate-load-test-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** How diagnostics name a file (relative to the working directory when under it). */
const shown = (file: string) => displayPath(file);

/** Writes files (relative path -> text) into a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
  const dir = join(root, `case-${++seq}`);
  for (const [rel, text] of Object.entries(files)) {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

/** 1-based line and column where `marker` first occurs in `text` (after `from`, when given). */
function where(text: string, marker: string, from?: string): { line: number; column: number } {
  const start = from === undefined ? 0 : text.indexOf(from);
  if (start < 0) throw new Error(`no ${from} in the text`);
  const offset = text.indexOf(marker, start);
  if (offset < 0) throw new Error(`no ${marker} in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const notes = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'note');
const names = (list: Array<{ metadata: { namespace: string; name: string } }>) => list.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

// Two valid APIs around each bad document: they must load whatever the middle does.
const BEFORE = `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: before
  namespace: team
spec:
  context: /before
  version: v1
  upstream:
    urls: [http://before.team.svc]
`;
const AFTER = `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: after
  namespace: team
spec:
  context: /after
  version: v1
  upstream:
    urls: [http://after.team.svc]
`;

interface ErrorRow {
  name: string;
  /** The bad document (it sits second in a three-document file). */
  doc: string;
  code: string;
  /** The error's position: the line holding this text and the column where it starts. */
  at: string;
  /** Search for `at` from here (when the same text occurs earlier in the document). */
  after?: string;
  object?: Diagnostic['object'];
  field?: string;
  message?: string | RegExp;
}

const api = (name: string, spec: string, meta = '') => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: ${name}
  namespace: team
${meta}spec:
${spec}`;

const product = (name: string, spec: string) => `apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata:
  name: ${name}
  namespace: team
spec:
${spec}`;

const UPSTREAM = '  upstream:\n    urls: [http://x.team.svc]\n';

const errorRows: ErrorRow[] = [
  {
    name: 'YAML syntax error',
    doc: 'apiVersion: tollgate.dev/v1alpha1\nkind: API\nmetadata: { name: broken, namespace: team\nspec: {}\n',
    code: 'YamlSyntax',
    at: 'spec: {}',
  },
  {
    name: 'duplicate YAML key',
    doc: api('dup-key', `  context: /dup\n  version: v1\n  version: v2\n${UPSTREAM}`),
    code: 'YamlSyntax',
    at: 'version: v2',
    object: { kind: 'API', namespace: 'team', name: 'dup-key' },
    field: 'spec.version',
    message: /unique/,
  },
  {
    name: 'unknown field (strict)',
    doc: api('unknown-field', `  context: /u\n  version: v1\n  upstream:\n    urls: [http://x.team.svc]\n    timout: 5s\n`),
    code: 'SchemaViolation',
    at: 'timout: 5s',
    object: { kind: 'API', namespace: 'team', name: 'unknown-field' },
    field: 'spec.upstream.timout',
    message: 'unknown field "timout"',
  },
  {
    name: 'missing required field (points at the object that lacks it)',
    doc: api('no-version', `  context: /n\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'spec:',
    object: { kind: 'API', namespace: 'team', name: 'no-version' },
    field: 'spec.version',
    message: 'Required value',
  },
  {
    name: 'CEL rule: no upstream, and not a Prototyped API mocked from its document',
    doc: api('no-upstream', '  context: /n\n  version: v1\n'),
    code: 'RuleViolation',
    at: 'spec:',
    object: { kind: 'API', namespace: 'team', name: 'no-upstream' },
    field: 'spec.upstream',
    message: 'an API needs an upstream, unless it is Prototyped and mocked from its OpenAPI document',
  },
  {
    name: 'missing required field in a list item (points at the item)',
    doc: product('no-api', '  operations:\n    - paths: [/]\n'),
    code: 'SchemaViolation',
    at: 'paths: [/]',
    object: { kind: 'APIProduct', namespace: 'team', name: 'no-api' },
    field: 'spec.operations[0].api',
    message: 'Required value',
  },
  {
    name: 'enum violation',
    doc: api('bad-lifecycle', `  context: /l\n  version: v1\n  lifecycle: Live\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'lifecycle: Live',
    object: { kind: 'API', namespace: 'team', name: 'bad-lifecycle' },
    field: 'spec.lifecycle',
    message: /must be one of .*"Published"/,
  },
  {
    name: 'enum violation in a set list item (points at the value)',
    doc: product('bad-method', '  operations:\n    - api: x\n      methods: [GET, FETCH]\n'),
    code: 'SchemaViolation',
    at: 'FETCH',
    object: { kind: 'APIProduct', namespace: 'team', name: 'bad-method' },
    field: 'spec.operations[0].methods[1]',
    message: /must be one of/,
  },
  {
    name: 'pattern violation: context without a leading slash',
    doc: api('no-slash', `  context: hello\n  version: v1\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'context: hello',
    object: { kind: 'API', namespace: 'team', name: 'no-slash' },
    field: 'spec.context',
    message: /must match/,
  },
  {
    name: 'format violation: sunset is a date, not a date-time',
    doc: api('date-only', `  context: /d\n  version: v1\n  lifecycle: Deprecated\n  sunset: 2026-06-30\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'sunset:',
    object: { kind: 'API', namespace: 'team', name: 'date-only' },
    field: 'spec.sunset',
    message: /date-time/,
  },
  {
    name: 'type violation: an unquoted version is a number',
    doc: api('float-version', `  context: /f\n  version: 1.0\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'version: 1.0',
    object: { kind: 'API', namespace: 'team', name: 'float-version' },
    field: 'spec.version',
    message: /string/,
  },
  {
    name: 'duplicate value in a set list (uniqueItems): the second is flagged',
    doc: api('dup-host', `  context: /h\n  version: v1\n  hosts:\n    - a.example.com\n    - b.example.com\n    - a.example.com\n${UPSTREAM}`),
    code: 'SchemaViolation',
    at: 'a.example.com',
    after: '- b.example.com',
    object: { kind: 'API', namespace: 'team', name: 'dup-host' },
    field: 'spec.hosts[2]',
    message: 'Duplicate value (same as index 0)',
  },
  {
    name: 'duplicate list-map key: two operations with the same path',
    doc: api(
      'dup-op',
      `  context: /o\n  version: v1\n${UPSTREAM}  operations:\n    - path: /users\n      methods: [GET]\n    - path: /users\n      methods: [POST]\n`,
    ),
    code: 'DuplicateKey',
    at: 'path: /users',
    after: 'methods: [GET]',
    object: { kind: 'API', namespace: 'team', name: 'dup-op' },
    field: 'spec.operations[1]',
    message: /path="\/users".*first at index 0/,
  },
  {
    name: 'duplicate list-map key: two plans with the same name',
    doc: product('dup-plan', '  operations:\n    - api: x\n  plans:\n    - name: Gold\n    - name: Bronze\n    - name: Gold\n'),
    code: 'DuplicateKey',
    at: 'name: Gold',
    after: '- name: Bronze',
    object: { kind: 'APIProduct', namespace: 'team', name: 'dup-plan' },
    field: 'spec.plans[2]',
    message: /name="Gold".*first at index 0/,
  },
  {
    name: 'CEL rule: allowedNamespaces on a public product',
    doc: product('open', '  access: public\n  allowedNamespaces: [team-b]\n  operations:\n    - api: x\n'),
    code: 'RuleViolation',
    at: 'allowedNamespaces:',
    object: { kind: 'APIProduct', namespace: 'team', name: 'open' },
    field: 'spec.allowedNamespaces',
    message: /public product is open to every namespace/,
  },
  {
    name: 'CEL rule: allowedNamespaces on a product that is public by default',
    doc: product('open-default', '  allowedNamespaces: [team-b]\n  operations:\n    - api: x\n'),
    code: 'RuleViolation',
    at: 'allowedNamespaces:',
    object: { kind: 'APIProduct', namespace: 'team', name: 'open-default' },
    field: 'spec.allowedNamespaces',
  },
  {
    name: 'CEL rule: defaultPlan names no plan',
    doc: product('no-such-plan', '  operations:\n    - api: x\n  plans:\n    - name: Gold\n  defaultPlan: Silver\n'),
    code: 'RuleViolation',
    at: 'defaultPlan: Silver',
    object: { kind: 'APIProduct', namespace: 'team', name: 'no-such-plan' },
    field: 'spec.defaultPlan',
    message: 'defaultPlan must name one of plans',
  },
  {
    name: 'CEL rule: defaultPlan on a product without plans',
    doc: product('no-plans', '  operations:\n    - api: x\n  defaultPlan: Gold\n'),
    code: 'RuleViolation',
    at: 'defaultPlan: Gold',
    object: { kind: 'APIProduct', namespace: 'team', name: 'no-plans' },
    field: 'spec.defaultPlan',
  },
  {
    name: 'CEL rule: a credential with both expiresIn and expiresAt',
    doc: `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata:
  name: both-expiries
  namespace: team
spec:
  owner:
    email: dev@team.example
  credentials:
    - name: ok
      expiresIn: 90d
    - name: both
      expiresIn: 30d
      expiresAt: "2026-06-01T00:00:00Z"
`,
    code: 'RuleViolation',
    at: 'expiresAt:',
    object: { kind: 'Application', namespace: 'team', name: 'both-expiries' },
    field: 'spec.credentials[1].expiresAt',
    message: 'set expiresIn or expiresAt, not both',
  },
  {
    name: 'CEL rule: cors allowCredentials with the * origin',
    doc: api('cors-star', `  context: /c\n  version: v1\n${UPSTREAM}  cors:\n    allowCredentials: true\n    allowOrigins: ['https://a.example', '*']\n`),
    code: 'RuleViolation',
    at: 'allowOrigins:',
    object: { kind: 'API', namespace: 'team', name: 'cors-star' },
    field: 'spec.cors.allowOrigins',
    message: /wildcard origin/,
  },
  {
    name: 'CEL rule: backend credentials of two kinds at once',
    doc: api(
      'two-creds',
      `  context: /b\n  version: v1\n${UPSTREAM}  policies:\n    backendAuth:\n      basic: { secretRef: { name: a } }\n      header: { secretRef: { name: b } }\n`,
    ),
    code: 'RuleViolation',
    at: 'backendAuth:',
    object: { kind: 'API', namespace: 'team', name: 'two-creds' },
    field: 'spec.policies.backendAuth',
    message: 'set exactly one of basic, header, oauth2 and clientCertificate',
  },
  {
    name: 'CEL rule: a header rule that sets a framing header',
    doc: api(
      'set-host',
      `  context: /h\n  version: v1\n${UPSTREAM}  policies:\n    requestHeaders:\n      set:\n        - { name: host, value: evil.example }\n`,
    ),
    code: 'RuleViolation',
    at: 'name: host',
    object: { kind: 'API', namespace: 'team', name: 'set-host' },
    field: 'spec.policies.requestHeaders.set[0].name',
    message: /cannot be set/,
  },
  {
    name: 'CEL rule: a policy limit with neither quota nor rateLimit',
    doc: api('empty-limit', `  context: /l\n  version: v1\n${UPSTREAM}  policies:\n    limits:\n      - name: nothing\n        key: { clientIp: true }\n`),
    code: 'RuleViolation',
    at: 'name: nothing',
    object: { kind: 'API', namespace: 'team', name: 'empty-limit' },
    field: 'spec.policies.limits[0]',
    message: 'a limit needs a quota, a rateLimit or both',
  },
  {
    name: 'CEL rule: a client certificate given two ways',
    doc: `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata:
  name: two-ways
  namespace: team
spec:
  owner:
    email: dev@team.example
  clientCertificates:
    - name: laptop
      subject: CN=laptop
      fingerprint: "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
`,
    code: 'RuleViolation',
    at: 'name: laptop',
    object: { kind: 'Application', namespace: 'team', name: 'two-ways' },
    field: 'spec.clientCertificates[0]',
    message: 'set exactly one of fingerprint, subject and certificate',
  },
  {
    name: 'CEL rule: sunset on an API that is not Deprecated (Published by default)',
    doc: api('early-sunset', `  context: /s\n  version: v1\n  sunset: "2026-06-30T00:00:00Z"\n${UPSTREAM}`),
    code: 'RuleViolation',
    at: 'sunset:',
    object: { kind: 'API', namespace: 'team', name: 'early-sunset' },
    field: 'spec.sunset',
    message: /Deprecated or Retired/,
  },
  {
    name: 'CEL rule: auth.none with JWT issuers',
    doc: api(
      'none-jwt',
      `  context: /j\n  version: v1\n${UPSTREAM}  auth:\n    none: true\n    jwt:\n      - issuer: https://login.example.com/\n        jwksUri: https://login.example.com/jwks\n`,
    ),
    code: 'RuleViolation',
    at: 'jwt:',
    object: { kind: 'API', namespace: 'team', name: 'none-jwt' },
    field: 'spec.auth.jwt',
  },
  {
    name: 'invalid metadata.name',
    doc: api('Hello_World', `  context: /hw\n  version: v1\n${UPSTREAM}`),
    code: 'InvalidName',
    at: 'name: Hello_World',
    object: { kind: 'API', namespace: 'team', name: 'Hello_World' },
    field: 'metadata.name',
    message: /RFC 1123 subdomain/,
  },
  {
    name: 'invalid metadata.namespace',
    doc: 'apiVersion: tollgate.dev/v1alpha1\nkind: API\nmetadata:\n  name: ns-bad\n  namespace: Team.A\nspec:\n  context: /nb\n  version: v1\n' + UPSTREAM,
    code: 'InvalidName',
    at: 'namespace: Team.A',
    object: { kind: 'API', namespace: 'Team.A', name: 'ns-bad' },
    field: 'metadata.namespace',
    message: /RFC 1123 label/,
  },
  {
    name: 'missing metadata.name (points at metadata; the object has no name)',
    doc: 'apiVersion: tollgate.dev/v1alpha1\nkind: API\nmetadata:\n  namespace: team\nspec:\n  context: /nn\n  version: v1\n' + UPSTREAM,
    code: 'InvalidName',
    at: 'metadata:',
    object: { kind: 'API', namespace: 'team' },
    field: 'metadata.name',
    message: 'Required value',
  },
  {
    name: 'unknown kind in tollgate.dev/v1alpha1 is an error, not a note',
    doc: 'apiVersion: tollgate.dev/v1alpha1\nkind: Gateway\nmetadata:\n  name: gw\n  namespace: team\nspec: {}\n',
    code: 'SchemaViolation',
    at: 'kind: Gateway',
    object: { kind: 'Gateway', namespace: 'team', name: 'gw' },
    field: 'kind',
    message: /unknown kind Gateway/,
  },
];

describe('loadPaths: examples', () => {
  it('loads examples/ with no errors, only notes for the Namespace objects', () => {
    const { resources, diagnostics } = loadPaths([examples]);
    expect(errors(diagnostics)).toEqual([]);
    expect(notes(diagnostics).map((d) => d.code)).toEqual(['IgnoredKind', 'IgnoredKind', 'IgnoredKind', 'IgnoredKind']);
    expect(names(resources.apis).sort()).toEqual([
      'platform/hello-world',
      'platform/inventory',
      'platform/maps',
      'platform/weather',
      'platform/weatherapi',
      'prototypes/bookshop',
    ]);
    expect(names(resources.products)).toContain('platform/weather-free');
    expect(names(resources.applications).sort()).toEqual(['greetings/greetings', 'weather-team/forecast-agent', 'weather-team/weatherapp']);
    expect(resources.subscriptions).toHaveLength(5);
  });
});

describe('loadPaths: errors name file, line, column, object and field', () => {
  it.each(errorRows)('$name', (row) => {
    const text = `${BEFORE}---\n${row.doc}---\n${AFTER}`;
    const dir = tree({ 'objects.yaml': text });
    const file = shown(join(dir, 'objects.yaml'));
    const { resources, diagnostics } = loadPaths([dir]);

    const docStart = BEFORE.length + '---\n'.length;
    const docLine = text.slice(0, docStart).split('\n').length;
    const pos = where(row.doc, row.at, row.after);
    const expected: Diagnostic = {
      severity: 'error',
      code: row.code,
      message: expect.anything(),
      file,
      line: docLine + pos.line - 1,
      column: pos.column,
      ...(row.object ? { object: row.object } : {}),
      ...(row.field ? { field: row.field } : {}),
    };
    const found = errors(diagnostics);
    expect(found).toEqual([expected]);
    if (typeof row.message === 'string') expect(found[0]!.message).toBe(row.message);
    else if (row.message) expect(found[0]!.message).toMatch(row.message);

    // The bad document does not stop the others of the same file.
    expect(names(resources.apis).sort()).toEqual(['team/after', 'team/before']);
  });
});

describe('loadPaths: other documents', () => {
  it('ignores other apiVersions and groups with a note at apiVersion, and loads the rest', () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tollgate-gateway
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: tollgate
---
apiVersion: tollgate.dev/v1beta1
kind: API
metadata:
  name: future
---
${BEFORE}`;
    const dir = tree({ 'mixed.yaml': text });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(errors(diagnostics)).toEqual([]);
    const file = shown(join(dir, 'mixed.yaml'));
    expect(diagnostics.map((d) => [d.severity, d.code, d.file, d.line, d.column])).toEqual([
      ['note', 'IgnoredKind', file, 1, 1],
      ['note', 'IgnoredKind', file, where(text, 'apiVersion: apps/v1').line, 1],
      ['note', 'IgnoredKind', file, where(text, 'apiVersion: gateway.networking').line, 1],
      ['note', 'IgnoredKind', file, where(text, 'apiVersion: tollgate.dev/v1beta1').line, 1],
    ]);
    expect(diagnostics[0]!.message).toMatch(/v1 ConfigMap is not a Tollgate kind/);
    expect(diagnostics[2]!.message).toMatch(/gateway\.networking\.k8s\.io\/v1 HTTPRoute is not a Tollgate kind/);
    expect(diagnostics[3]!.message).toMatch(/tollgate\.dev\/v1beta1 is not the version this build reads/);
    expect(names(resources.apis)).toEqual(['team/before']);
  });

  it('notes a document that is not an object (a list) and goes on', () => {
    const text = `- just\n- a list\n---\n${BEFORE}`;
    const dir = tree({ 'list.yaml': text });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'note', code: 'NotAnObject', file: shown(join(dir, 'list.yaml')), line: 1, column: 1 })]);
    expect(names(resources.apis)).toEqual(['team/before']);
  });

  it('a syntax error in one file does not stop the other files', () => {
    const dir = tree({ 'a-broken.yaml': 'apiVersion: [\n', 'b-good.yaml': BEFORE });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(errors(diagnostics)).toEqual([expect.objectContaining({ code: 'YamlSyntax', file: shown(join(dir, 'a-broken.yaml')) })]);
    expect(names(resources.apis)).toEqual(['team/before']);
  });

  it('reads .yaml and .yml files in subdirectories, skips hidden directories and other files', () => {
    const dir = tree({
      'a/one.yaml': BEFORE,
      'b/two.yml': AFTER,
      '.git/three.yaml': 'not: [valid',
      'README.md': 'apiVersion: [',
      'notes.txt': 'apiVersion: [',
    });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(diagnostics).toEqual([]);
    expect(names(resources.apis).sort()).toEqual(['team/after', 'team/before']);
  });

  it('reads a file named explicitly whatever its extension', () => {
    const dir = tree({ 'api.txt': BEFORE });
    const { resources, diagnostics } = loadPaths([join(dir, 'api.txt')]);
    expect(diagnostics).toEqual([]);
    expect(names(resources.apis)).toEqual(['team/before']);
  });

  it('records where each object was read from', () => {
    const text = `${BEFORE}---\n${AFTER}`;
    const dir = tree({ 'two.yaml': text });
    const { resources } = loadPaths([dir]);
    const after = resources.apis.find((a) => a.metadata.name === 'after')!;
    // BEFORE is 10 lines, then `---` on line 11: AFTER starts on line 12.
    expect(after.source).toEqual({ file: shown(join(dir, 'two.yaml')), line: 12, column: 1 });
  });
});

describe('loadPaths: duplicate objects', () => {
  it('reports the second definition, with the location of the first, and keeps the first', () => {
    const second = BEFORE.replace('/before', '/before-again');
    const dir = tree({ 'a.yaml': BEFORE, 'b.yaml': `${AFTER}---\n${second}` });
    const { resources, diagnostics } = loadPaths([dir]);
    const secondLine = AFTER.split('\n').length + 1;
    expect(errors(diagnostics)).toEqual([
      {
        severity: 'error',
        code: 'Duplicate',
        message: expect.stringContaining(`${shown(join(dir, 'a.yaml'))}:1`) as unknown as string,
        object: { kind: 'API', namespace: 'team', name: 'before' },
        field: 'metadata.name',
        file: shown(join(dir, 'b.yaml')),
        line: secondLine,
        column: 1,
      },
    ]);
    expect(resources.apis.find((a) => a.metadata.name === 'before')!.spec.context).toBe('/before');
    expect(resources.apis).toHaveLength(2);
  });

  it('counts a missing namespace as the default namespace', () => {
    const explicit =
      'apiVersion: tollgate.dev/v1alpha1\nkind: Application\nmetadata:\n  name: app\n  namespace: default\nspec:\n  owner:\n    email: a@example.com\n';
    const implicit = 'apiVersion: tollgate.dev/v1alpha1\nkind: Application\nmetadata:\n  name: app\nspec:\n  owner:\n    email: b@example.com\n';
    const dir = tree({ 'apps.yaml': `${explicit}---\n${implicit}` });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(errors(diagnostics)).toEqual([expect.objectContaining({ code: 'Duplicate', object: { kind: 'Application', namespace: 'default', name: 'app' } })]);
    expect(resources.applications.map((a) => a.spec.owner.email)).toEqual(['a@example.com']);
  });

  it('the same name in another kind or namespace is not a duplicate', () => {
    const dir = tree({
      'objects.yaml': `${BEFORE}---\n${BEFORE.replace('namespace: team', 'namespace: team-b')}---\n${product('before', '  operations:\n    - api: before\n')}`,
    });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(diagnostics).toEqual([]);
    expect(names(resources.apis).sort()).toEqual(['team-b/before', 'team/before']);
    expect(names(resources.products)).toEqual(['team/before']);
  });
});

describe('loadPaths: defaults', () => {
  const text = `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: bare
spec:
  context: /bare
  version: v1
  upstream:
    urls: [http://bare.svc]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata:
  name: bare
spec:
  operations:
    - api: bare
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata:
  name: bare
spec:
  owner:
    email: dev@example.com
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata:
  name: bare
spec:
  application: bare
  product:
    name: bare
`;

  it('applies the CRD defaults', () => {
    const dir = tree({ 'bare.yaml': text });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(diagnostics).toEqual([]);
    const [a] = resources.apis;
    expect(a!.spec.lifecycle).toBe('Published');
    expect(a!.spec.isDefaultVersion).toBe(false);
    expect(a!.spec.auth).toEqual({ none: false, apiKey: { enabled: true, header: 'apikey' }, oauth2: { enabled: true } });
    expect(a!.spec.upstream).toEqual({ urls: ['http://bare.svc'], connectTimeout: '5s', timeout: '30s', retries: 1 });

    const [p] = resources.products;
    expect(p!.spec.operations).toEqual([{ api: 'bare', paths: ['/'] }]);
    expect(p!.spec).toMatchObject({ access: 'public', approvalType: 'auto', quotaFailureMode: 'open' });

    const [app] = resources.applications;
    expect(app!.spec.credentials).toEqual([{ name: 'default', revoked: false }]);
    expect(app!.spec).toMatchObject({ suspended: false, owner: { email: 'dev@example.com', suspended: false } });

    const [s] = resources.subscriptions;
    expect(s!.spec.state).toBe('Active');
  });

  it('puts objects without a namespace in "default", or in the namespace asked for, with generation 1', () => {
    const dir = tree({ 'bare.yaml': text });
    const plain = loadPaths([dir]);
    expect(names(plain.resources.apis)).toEqual(['default/bare']);
    expect(plain.resources.apis[0]!.metadata.generation).toBe(1);
    const dev = loadPaths([dir], { defaultNamespace: 'dev' });
    expect(names(dev.resources.subscriptions)).toEqual(['dev/bare']);
    expect(names(dev.resources.applications)).toEqual(['dev/bare']);
  });

  it('does not overwrite what the file sets', () => {
    const set = text
      .replace('  version: v1\n', '  version: v1\n  lifecycle: Prototyped\n  auth:\n    apiKey:\n      header: X-Key\n')
      .replace('    - api: bare\n', '    - api: bare\n      paths: [/forecastrss]\n')
      .replace('    email: dev@example.com\n', '    email: dev@example.com\n  credentials:\n    - name: main\n      revoked: true\n');
    const dir = tree({ 'set.yaml': set });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(diagnostics).toEqual([]);
    expect(resources.apis[0]!.spec.lifecycle).toBe('Prototyped');
    expect(resources.apis[0]!.spec.auth.apiKey).toEqual({ enabled: true, header: 'X-Key' });
    expect(resources.products[0]!.spec.operations[0]!.paths).toEqual(['/forecastrss']);
    expect(resources.applications[0]!.spec.credentials).toEqual([{ name: 'main', revoked: true }]);
  });
});

describe('loadPaths: empty documents and duplicate keys', () => {
  it('empty documents (`---` twice, a trailing `---`, only a comment) are skipped without a note, as kubectl does', () => {
    const dir = tree({ 'empty.yaml': `---\n${BEFORE}---\n---\n# nothing here\n---\n${AFTER}---\n` });
    const { resources, diagnostics } = loadPaths([dir]);
    expect(names(resources.apis).sort()).toEqual(['team/after', 'team/before']);
    expect(diagnostics).toEqual([]);
  });

  it('a duplicate YAML key names the object and the field, like every other error', () => {
    const doc = api('dup-key', `  context: /dup\n  version: v1\n  version: v2\n${UPSTREAM}`);
    const dir = tree({ 'dup.yaml': doc });
    const { diagnostics } = loadPaths([dir]);
    expect(errors(diagnostics)).toEqual([
      expect.objectContaining({
        file: shown(join(dir, 'dup.yaml')),
        ...where(doc, 'version: v2'),
        object: { kind: 'API', namespace: 'team', name: 'dup-key' },
        field: 'spec.version',
      }),
    ]);
  });
});
