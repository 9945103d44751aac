import type { QueryRules } from '../snapshot/types.ts';
import { parseTemplate, renderTemplate, type Template, type TemplateVariables } from './templates.ts';

export interface CompiledQueryRules {
  remove: ReadonlySet<string>;
  set: readonly { name: string; value: Template }[];
}

export function compileQueryRules(rules: QueryRules, errors: string[], where: string): CompiledQueryRules {
  const set = rules.set.flatMap((rule, i) => {
    const parsed = parseTemplate(rule.value);
    if (!parsed.ok) {
      errors.push(`${where}.set[${i}].value: ${parsed.error}`);
      return [];
    }
    return [{ name: rule.name, value: parsed.template }];
  });
  return { remove: new Set([...rules.remove, ...rules.set.map((r) => r.name)]), set };
}

/** The query to forward (without `?`): parameters named by the rules removed, then the set ones appended, encoded. */
export function applyQueryRules(rules: CompiledQueryRules, query: string | undefined, vars: TemplateVariables): string | undefined {
  const kept: string[] = [];
  if (query) {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const raw = eq < 0 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        name = raw;
      }
      if (!rules.remove.has(name)) kept.push(pair);
    }
  }
  for (const { name, value } of rules.set) kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(renderTemplate(value, vars))}`);
  return kept.length > 0 ? kept.join('&') : undefined;
}
