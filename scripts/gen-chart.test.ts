import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argocdSnippet, chart, chartCrds, KINDS, SNIPPET_PATH } from './gen-chart.ts';

describe('generated chart files (run `node scripts/gen-chart.ts` after changing crds/ or argocd/health.lua)', () => {
  it('charts/tollgate/crds/ is crds/', () => {
    const crds = chartCrds();
    expect(readdirSync(join(chart, 'crds')).sort()).toEqual([...crds.keys()]);
    for (const [f, text] of crds) expect(readFileSync(join(chart, 'crds', f), 'utf8'), f).toBe(text);
  });

  it('the Argo CD snippet carries health.lua for each of the four kinds', () => {
    expect(readFileSync(SNIPPET_PATH, 'utf8')).toBe(argocdSnippet());
    const cm = parse(readFileSync(SNIPPET_PATH, 'utf8')) as { data: Record<string, string> };
    const lua = readFileSync(join(chart, 'argocd', 'health.lua'), 'utf8');
    expect(Object.keys(cm.data)).toEqual(KINDS.map((k) => `resource.customizations.health.tollgate.dev_${k}`));
    for (const v of Object.values(cm.data)) expect(v).toBe(lua);
  });
});
