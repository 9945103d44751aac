// The kubectl flags of the commands that read a cluster, kept apart from the
// Kubernetes client so that a command run on a directory never loads it.
import { Option, type Command } from 'commander';

/** The kubectl flags the cluster-reading commands take, as kubectl spells them. */
export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  requestTimeout?: string;
}

export function addKubeFlags(cmd: Command, withAllNamespaces = true): Command {
  cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config), when reading a cluster')
    .option('--context <name>', 'kubeconfig context (default: its current context), when reading a cluster')
    .option('--request-timeout <duration>', 'longest wait for each API server request: 500ms, 10s, 1m (default 30s)');
  if (withAllNamespaces) cmd.addOption(new Option('-A, --all-namespaces', 'read every namespace of the cluster'));
  return cmd;
}

/** Failures of the user's setup (no kubeconfig, an unknown context): a message, never a stack. */
export class KubeTargetError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
