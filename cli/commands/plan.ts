import { Command, Option } from 'commander';
import { compile } from '../../operator/compiler/compile.ts';
import { formatDiagnostic } from '../../operator/loader/diagnostic.ts';
import { loadPaths } from '../../operator/loader/load.ts';
import { OpenApiStage } from '../../operator/openapi/openapi-stage.ts';
import { buildPlan } from '../../operator/plan/build-plan.ts';
import { renderPlan } from '../../operator/plan/render-plan.ts';
import { maxFileBytesOption } from './max-file-bytes-option.ts';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('show the effective route table and which application may call which operations')
    .argument('<paths...>', 'files or directories of YAML')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --namespace <name>', 'namespace of objects that name none', 'default')
    .addOption(maxFileBytesOption())
    .action(async (paths: string[], opts: { output: string; namespace: string; maxFileBytes: number }) => {
      const loaded = loadPaths(paths, { defaultNamespace: opts.namespace, maxFileBytes: opts.maxFileBytes });
      loaded.resources.openApi = await new OpenApiStage({ files: true, maxFileBytes: opts.maxFileBytes }).documents(loaded.resources.apis);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      // The plan is shown for what loads; objects that did not are named on stderr.
      for (const d of errors) process.stderr.write(formatDiagnostic(d) + '\n');
      const plan = buildPlan(loaded.resources, compile(loaded.resources, { now: new Date() }));
      process.stdout.write(opts.output === 'json' ? JSON.stringify(plan, null, 2) + '\n' : renderPlan(plan));
      process.exitCode = errors.length ? 1 : 0;
    });
}
