/**
 * `node scripts/image/slim-node-modules.ts APP`: keep in APP/node_modules only what the shipped
 * commands load, and minify the ES modules among it. APP holds the shipped sources and the
 * production dependencies (`npm ci --omit=dev`); scripts/image/build.sh and the Dockerfile run
 * this before copying APP into the image.
 *
 * What is loaded comes from @vercel/nft, which follows imports (static and literal dynamic ones)
 * and the files a module opens next to itself (PGlite's wasm) from cli/main.ts. It parses
 * JavaScript only, so our TypeScript is handed to it with the types stripped, as Node runs it.
 * Files read through a path nft cannot see are listed in `alsoKept`.
 *
 * Only ES modules are minified: their exports are syntax, so renaming inside cannot change what
 * an importer sees; a CommonJS file's named exports are found by Node's lexer in its text, which
 * minified code can hide, so those stay as published.
 */
import { readFile } from 'node:fs/promises';
import { readdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { nodeFileTrace } from '@vercel/nft';
import { minify } from 'terser';

/** Read by path at run time (portal/server/static-files.ts serves Swagger UI from its package). */
const alsoKept = [
  'node_modules/swagger-ui-dist/package.json',
  'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'node_modules/swagger-ui-dist/swagger-ui.css',
];

/**
 * Loaded, but only by `tollgate dev` and `pglite:` usage stores, which a cluster does not use (its
 * usage store is PostgreSQL): PGlite's 16 MB of WebAssembly would be a tenth of the image.
 * usage/open-database.ts says so when asked for one.
 */
const leftOut = ['node_modules/@electric-sql/pglite/'];

const entryPoints = ['cli/main.ts'];

export interface SlimReport {
  before: number;
  after: number;
  kept: number;
  removed: number;
  minified: number;
}

export async function slimNodeModules(app: string): Promise<SlimReport> {
  const base = resolve(app);
  const traced = await nodeFileTrace(
    entryPoints.map((e) => join(base, e)),
    {
      base,
      readFile: readForTrace,
    },
  );
  const keep = new Set([...traced.fileList, ...alsoKept].filter((f) => f.startsWith('node_modules/') && !leftOut.some((p) => f.startsWith(p))));
  for (const f of alsoKept) statSync(join(base, f)); // a moved file fails the build, not the portal
  const report: SlimReport = { before: 0, after: 0, kept: 0, removed: 0, minified: 0 };
  for (const file of walk(join(base, 'node_modules'))) {
    const size = statSync(file).size;
    report.before += size;
    if (!keep.has(relative(base, file))) {
      rmSync(file);
      report.removed++;
      continue;
    }
    report.kept++;
    const minified = await minifyModule(file);
    if (minified !== undefined) report.minified++;
    report.after += minified ?? size;
  }
  removeEmptyDirs(join(base, 'node_modules'));
  return report;
}

/** As nft's own reader (text, or null for what is not a file, which resolution probes for), with our types stripped. */
async function readForTrace(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  return path.endsWith('.ts') ? stripTypeScriptTypes(text) : text;
}

/** Minifies FILE in place when it is an ES module; returns its new size, or undefined when left as is. */
async function minifyModule(file: string): Promise<number | undefined> {
  if (!isEsModule(file)) return undefined;
  const source = readFileSync(file, 'utf8');
  // keep_classnames/keep_fnames: some code reads `.name` (error classes, the Kubernetes client's models).
  const result = await minify(source, { module: true, ecma: 2020, keep_classnames: true, keep_fnames: true, format: { comments: false } });
  if (result.code === undefined || result.code.length >= source.length) return undefined;
  writeFileSync(file, result.code);
  return Buffer.byteLength(result.code);
}

const packageTypes = new Map<string, string | undefined>();

function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  return packageType(dirname(file)) === 'module';
}

/** The "type" of the package.json nearest DIR, as Node decides how to load a .js file. */
function packageType(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  try {
    type = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs';
  } catch {
    type = dirname(dir) === dir || dir.endsWith('/node_modules') ? undefined : packageType(dirname(dir));
  }
  packageTypes.set(dir, type);
  return type;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() || entry.isSymbolicLink()) yield path;
  }
}

function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !removeEmptyDirs(join(dir, entry.name))) empty = false;
  }
  if (empty) rmdirSync(dir);
  return empty;
}

if (import.meta.main) {
  const app = process.argv[2];
  if (!app) throw new Error('usage: node scripts/image/slim-node-modules.ts APP_DIR');
  const r = await slimNodeModules(app);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  console.error(
    `image: node_modules ${mb(r.before)} MB -> ${mb(r.after)} MB (${r.kept} files kept, ${r.removed} not loaded removed, ${r.minified} ES modules minified)`,
  );
}
