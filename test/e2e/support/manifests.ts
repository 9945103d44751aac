// Install manifests (config/) as a test reads them: rendered with the real
// `kubectl kustomize`, and container command lines parsed by the CLI's own
// commander definitions, the way `bin/tollgate` would parse them in the pod.
import { Command, CommanderError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { registerOperatorCommand } from '../../../cli/commands/operator.ts';
import { registerGatewayCommand } from '../../../cli/commands/gateway.ts';
import { registerPortalCommand } from '../../../cli/commands/portal.ts';
import { registerUsageCommand } from '../../../cli/commands/usage.ts';
import type { ControlPlane } from '../../control-plane/control-plane.ts';

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
};
export type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
};
export type Volume = {
  name: string;
  secret?: { secretName: string; optional?: boolean; items?: Array<{ key: string; path: string }> };
  emptyDir?: Record<string, unknown>;
};
export type PodSpec = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes?: Volume[];
};
export type Deployment = Obj & {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

/** `kubectl kustomize DIR`, as objects (kubectl needs no server for it). */
export async function kustomize(cp: ControlPlane, dir: string): Promise<{ yaml: string; objects: Obj[] }> {
  const yaml = await cp.kubectlOk(['kustomize', dir], { timeoutMs: 60_000 });
  const objects = parseAllDocuments(yaml)
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
  return { yaml, objects };
}

export const idOf = (o: { kind: string; metadata: { name: string; namespace?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The values the kubelet gives a container's env: downward API fields from the
 * pod, Secret keys from `secrets` (`<name>/<key>`), envFrom ConfigMaps from
 * `configMaps` (name to data). Anything else is an error,
 * so a manifest cannot lean on a value this function invents.
 */
export function containerEnv(
  container: Container,
  pod: { name: string; namespace: string; ip: string },
  secrets: Record<string, string> = {},
  configMaps: Record<string, Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  // envFrom first: an explicit env entry of the same name wins, as in the kubelet.
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (name === undefined) throw new Error(`${container.name}: envFrom other than a configMapRef`);
    const data = configMaps[name];
    if (!data) throw new Error(`${container.name}: envFrom ConfigMap ${name}, which the render does not have`);
    Object.assign(env, data);
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
    else if (v.valueFrom?.fieldRef) {
      const field = v.valueFrom.fieldRef.fieldPath;
      const value = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'status.podIP': pod.ip }[field];
      if (value === undefined) throw new Error(`${container.name}: env ${v.name} from unsupported field ${field}`);
      env[v.name] = value;
    } else if (v.valueFrom?.secretKeyRef) {
      const ref = `${v.valueFrom.secretKeyRef.name}/${v.valueFrom.secretKeyRef.key}`;
      if (!(ref in secrets)) throw new Error(`${container.name}: env ${v.name} from Secret key ${ref}, which the test did not provide`);
      env[v.name] = secrets[ref]!;
    } else throw new Error(`${container.name}: env ${v.name} has neither value nor a known valueFrom`);
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion of command and args (`$$` escapes); an undefined VAR is left as it is. */
export function expandArgs(args: string[], env: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? m))));
}

export type ParsedCommandLine = { command: string; options: Record<string, unknown> };

/** The `tollgate` program with the real operator, gateway, portal and usage commands, whose actions only record. */
function program(): { program: Command; parsed: () => ParsedCommandLine | undefined } {
  let parsed: ParsedCommandLine | undefined;
  const p = new Command()
    .name('tollgate')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerOperatorCommand(p);
  registerGatewayCommand(p);
  registerPortalCommand(p);
  registerUsageCommand(p);
  // Subcommands (`usage rollup`) record as "usage rollup".
  const quiet = (c: Command, prefix: string): void => {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (c.commands.length) for (const sub of c.commands) quiet(sub, `${prefix}${c.name()} `);
    else
      c.action(function (this: Command) {
        parsed = { command: `${prefix}${this.name()}`, options: this.opts() };
      });
  };
  for (const c of p.commands) quiet(c, '');
  return { program: p, parsed: () => parsed };
}

/** The environment variables each subcommand's options read (commander's `.env()`). */
export function optionEnvVars(command: string): string[] {
  const c = program().program.commands.find((x) => x.name() === command);
  if (!c) throw new Error(`tollgate has no command ${command}`);
  return c.options.flatMap((o) => (o.envVar ? [o.envVar] : []));
}

/**
 * Parses `tollgate <args...>` with the CLI's commander definitions, under
 * exactly the environment `env` for the variables the command reads (the test
 * process's own values for them are hidden meanwhile). Throws the CLI's own
 * error (unknown option, bad value, unknown command) as `bin/tollgate` would exit with it.
 */
export async function parseCommandLine(args: string[], env: Record<string, string>): Promise<ParsedCommandLine> {
  const { program: p, parsed } = program();
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  const names = new Set([...all(p).flatMap((c) => c.options.flatMap((o) => (o.envVar ? [o.envVar] : []))), ...Object.keys(env)]);
  const saved = new Map([...names].map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, env);
  try {
    await p.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new Error(`tollgate ${args.join(' ')}: ${e.message}`);
    throw e;
  } finally {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
  const result = parsed();
  if (!result) throw new Error(`tollgate ${args.join(' ')}: no command ran`);
  return result;
}
