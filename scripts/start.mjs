// `npm start`: transpile the TypeScript sources ahead of time with esbuild (type-stripping only,
// the same transform tsx applies one module at a time through its loader thread), then run the
// service on plain Node. `npm run dev` keeps tsx for restart-on-change. The output is a cache in
// node_modules/.cache/cadap-start/<hash of its inputs>, built when any source file or the
// migrations change (about 150 ms). A build is written into a temporary folder and renamed into
// place, so two starts at once never run or remove each other's half-built cache; builds of other
// inputs are removed once they are ten minutes old (a service started from one has loaded it).
// esbuild is a dev package: a production install (`npm prune --omit=dev`, or `npm ci --omit=dev`)
// has none, and then `npm start` runs what `npm run build` compiled into dist/ instead.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { copyRunTimeAssets, RUN_TIME_ASSETS } from './copy-assets.mjs';

const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(root, 'node_modules', '.cache', 'cadap-start');
const files = (dir, pattern) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
const sources = ['src', 'db', 'protocols', 'notifications', 'locales'].flatMap((dir) => files(dir, /^(?!.*\.test\.tsx?$).*\.tsx?$/));
const assets = RUN_TIME_ASSETS.flatMap((asset) => (fs.statSync(path.join(root, asset)).isDirectory() ? files(asset, /./) : [path.join(root, asset)]));
// This file too: its esbuild options (the target) shape the output.
const inputs = [...sources, ...assets, path.join(root, 'tsconfig.json'), path.join(root, 'package-lock.json'), import.meta.filename];
// What the cache was built from: every input's path, size and modification time.
const stamp = inputs
  .map((file) => {
    const stat = fs.statSync(file);
    return `${path.relative(root, file)}:${stat.size}:${stat.mtimeMs}`;
  })
  .sort()
  .join('\n');
const out = path.join(cache, createHash('sha256').update(stamp).digest('hex').slice(0, 16));
const stampFile = path.join(out, 'inputs.txt');
const esbuild = await import('esbuild').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  return undefined;
});
if (!esbuild) {
  const compiled = path.join(root, 'dist', 'src', 'server.js');
  if (!fs.existsSync(compiled)) {
    process.stderr.write(
      'npm start: esbuild is not installed (a production install) and dist/ holds no build: run "npm run build" where the dev packages are, or "npm ci" first.\n',
    );
    process.exit(1);
  }
  await import(pathToFileURL(compiled).href);
} else if (!fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== stamp) {
  const { build } = esbuild;
  const building = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await build({
    entryPoints: sources,
    outdir: building,
    outbase: root,
    format: 'esm',
    platform: 'node',
    // 20.19, the engines' floor: an older target drops the import attributes the JSON imports need (locales/catalogue.ts).
    target: 'node20.19',
    tsconfig: path.join(root, 'tsconfig.json'),
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  // What the compiled service reads beside its code (scripts/copy-assets.mjs), and the module type of the output folder.
  copyRunTimeAssets(root, building);
  fs.writeFileSync(path.join(building, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(building, 'inputs.txt'), stamp);
  try {
    fs.renameSync(building, out);
  } catch (error) {
    // Another start built the same inputs first: use its build.
    if (!['ENOTEMPTY', 'EEXIST'].includes(error?.code)) throw error;
    fs.rmSync(building, { recursive: true, force: true });
  }
  for (const entry of fs.readdirSync(cache)) {
    const other = path.join(cache, entry);
    const stat = fs.statSync(other, { throwIfNoEntry: false }); // another start may be removing it too
    if (other !== out && stat && Date.now() - stat.mtimeMs > 600_000) fs.rmSync(other, { recursive: true, force: true });
  }
}
if (esbuild) await import(pathToFileURL(path.join(out, 'src', 'server.js')).href);
