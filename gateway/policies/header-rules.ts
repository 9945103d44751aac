import type { HeaderRules } from '../snapshot/types.ts';
import { parseTemplate, renderTemplate, type Template, type TemplateVariables } from './templates.ts';

/** Header rules ready to apply: remove, rename, set (replace), add (append), in that order. */
export interface CompiledHeaderRules {
  remove: readonly string[];
  rename: readonly { from: string; to: string }[];
  set: readonly { name: string; value: Template }[];
  add: readonly { name: string; value: Template }[];
}

type Headers = Record<string, string | string[] | number | undefined>;

export function compileHeaderRules(rules: HeaderRules, errors: string[], where: string): CompiledHeaderRules {
  const values = (list: HeaderRules['set'], field: string) =>
    list.flatMap((rule, i) => {
      const parsed = parseTemplate(rule.value);
      if (!parsed.ok) {
        errors.push(`${where}.${field}[${i}].value: ${parsed.error}`);
        return [];
      }
      return [{ name: rule.name, value: parsed.template }];
    });
  return { remove: rules.remove, rename: rules.rename, set: values(rules.set, 'set'), add: values(rules.add, 'add') };
}

/** Changes `headers` in place; names are lower-case, as Node gives and takes them. */
export function applyHeaderRules(rules: CompiledHeaderRules, headers: Headers, vars: TemplateVariables): void {
  for (const name of rules.remove) delete headers[name];
  for (const { from, to } of rules.rename) {
    const value = headers[from];
    if (value === undefined) continue;
    delete headers[from];
    headers[to] = value;
  }
  for (const { name, value } of rules.set) headers[name] = renderTemplate(value, vars);
  for (const { name, value } of rules.add) {
    const rendered = renderTemplate(value, vars);
    const current = headers[name];
    if (current === undefined) headers[name] = rendered;
    else if (Array.isArray(current)) headers[name] = [...current, rendered];
    else headers[name] = [String(current), rendered];
  }
}
