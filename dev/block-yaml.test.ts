import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toBlockYaml } from './block-yaml.ts';

const tricky = [
  '',
  ' lead',
  'trail ',
  'two  spaces',
  'yes',
  'No',
  'ON',
  'y',
  'null',
  'Null',
  '~',
  'true',
  'False',
  '123',
  '-1',
  '1e3',
  '0x1F',
  '0o17',
  '.5',
  '.inf',
  '.NaN',
  '-',
  '- x',
  '-x',
  'a: b',
  'a:b',
  'a #b',
  '#c',
  '"q"',
  "'s'",
  'multi\nline',
  'tab\there',
  'cr\r',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u2028',
  '\ufeffbom',
  'é',
  '😀',
  '[x]',
  '{x}',
  '*a',
  '&a',
  '!tag',
  '%d',
  '@x',
  '`x',
  '|',
  '>',
  '?',
  '? x',
  ',',
  'a, b',
  'sha256:abc',
  '2026-01-01T00:00:00Z',
  '2026-01-01',
  'http://127.0.0.1:8080/x',
  '<<',
  '=',
  'back\\slash',
  'applied by the dev gateway (sha256:42da4d812c48)',
  '/svc-0/v1',
  'Accepted',
  'apps-0/app-1',
];

describe('toBlockYaml', () => {
  it.each([
    { name: 'tricky strings as values', value: tricky.map((s) => ({ s })) },
    { name: 'tricky strings as keys', value: Object.fromEntries(tricky.map((s, i) => [s, i])) },
    { name: 'tricky strings in a list', value: tricky },
    { name: 'scalars', value: { n: 0, neg: -2.5, big: 1e21, t: true, f: false, nil: null, empty: [], none: {} } },
    { name: 'nested lists and maps', value: [[1, [2, []]], { a: [{ b: { c: [{}] } }] }, [], {}, 'x'] },
    { name: 'an empty list', value: [] },
    { name: 'an empty map', value: {} },
    { name: 'a scalar', value: 'a: b' },
    {
      name: 'a status as dev mode writes it',
      value: [
        {
          kind: 'Application',
          namespace: 'apps-0',
          name: 'app-0',
          generation: 1,
          status: {
            observedGeneration: 1,
            conditions: [
              {
                type: 'Accepted',
                status: 'True',
                reason: 'Accepted',
                message: 'spec is valid: "quoted" #1',
                lastTransitionTime: '2026-11-30T08:27:11Z',
                observedGeneration: 1,
              },
            ],
            credentials: [{ name: 'old', state: 'Active', keyPrefix: 'tg_Ab12', issuedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-04-01T00:00:00.000Z' }],
          },
        },
      ],
    },
  ])('$name read back as written', ({ value }) => {
    expect(parse(toBlockYaml(value))).toEqual(value);
  });

  it('drops undefined map values as JSON does, and writes Dates as ISO strings', () => {
    expect(parse(toBlockYaml({ a: undefined, b: 1, c: new Date('2026-01-01T00:00:00Z') }))).toEqual({ b: 1, c: '2026-01-01T00:00:00.000Z' });
  });

  it('writes the block layout people read', () => {
    expect(toBlockYaml([{ kind: 'API', status: { conditions: [{ type: 'Accepted', status: 'True' }], routes: ['/svc-0'] } }])).toBe(
      ['- kind: API', '  status:', '    conditions:', '      - type: Accepted', '        status: "True"', '    routes:', '      - /svc-0', ''].join('\n'),
    );
  });
});
