import { Command, Option } from 'commander';
import { formatDiagnostic } from '../../operator/loader/diagnostic.ts';
import { validatePaths, validateResources, type ValidationReport } from '../../operator/validate/validate-paths.ts';
import { addKubeFlags, type KubeFlags } from '../cluster/kube-flags.ts';
import { maxFileBytesOption } from './max-file-bytes-option.ts';

type Options = KubeFlags & { output: string; quiet?: boolean; maxFileBytes: number };

/** Without paths, what the cluster of the kubeconfig context holds (as `kubectl tollgate validate`). */
async function fromCluster(o: Options): Promise<ValidationReport> {
  const read = await (await import('../cluster/cluster-resources.ts')).readClusterFor(o);
  const report = validateResources(read.resources, { only: read.namespaces });
  for (const why of read.unreadable)
    report.diagnostics.push({ severity: 'warning', code: 'NamespaceUnreadable', message: `${why}: references into it are unchecked` });
  report.warnings += read.unreadable.length;
  return report;
}

export function registerValidateCommand(program: Command): void {
  const cmd = program
    .command('validate')
    .description(
      'check Tollgate YAML against the CRD schemas and the compiler, or without paths the objects in the cluster of the kubeconfig context; exit 1 on any error',
    )
    .argument('[paths...]', 'files or directories of YAML (none: read the cluster)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --namespace <name>', "namespace of objects that name none; in a cluster the namespace to read (default: the context's)")
    .option('--quiet', 'print errors and warnings only, not notes')
    .addOption(maxFileBytesOption());
  addKubeFlags(cmd).action(async (paths: string[], opts: Options) => {
    const report = paths.length
      ? await validatePaths(paths, { defaultNamespace: opts.namespace ?? 'default', maxFileBytes: opts.maxFileBytes })
      : await fromCluster(opts);
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
