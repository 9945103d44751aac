import { Command, Option } from 'commander';
import { formatDiagnostic } from '../../operator/loader/diagnostic.ts';
import { validatePaths } from '../../operator/validate/validate-paths.ts';
import { maxFileBytesOption } from './max-file-bytes-option.ts';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check Tollgate YAML against the CRD schemas and the compiler; exit 1 on any error')
    .argument('<paths...>', 'files or directories of YAML')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --namespace <name>', 'namespace of objects that name none', 'default')
    .option('--quiet', 'print errors and warnings only, not notes')
    .addOption(maxFileBytesOption())
    .action(async (paths: string[], opts: { output: string; namespace: string; quiet?: boolean; maxFileBytes: number }) => {
      const report = await validatePaths(paths, { defaultNamespace: opts.namespace, maxFileBytes: opts.maxFileBytes });
      const shown = opts.quiet ? report.diagnostics.filter((d) => d.severity !== 'note') : report.diagnostics;
      if (opts.output === 'json') {
        process.stdout.write(
          JSON.stringify({ valid: report.errors === 0, errors: report.errors, warnings: report.warnings, diagnostics: shown }, null, 2) + '\n',
        );
      } else {
        for (const d of shown) process.stdout.write(formatDiagnostic(d) + '\n');
        process.stdout.write(`${report.errors} error(s), ${report.warnings} warning(s)\n`);
      }
      process.exitCode = report.errors ? 1 : 0;
    });
}
