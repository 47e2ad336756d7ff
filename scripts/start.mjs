// `npm start`: transpile the TypeScript sources ahead of time with esbuild (type-stripping only,
// the same transform tsx applies one module at a time through a loader thread), then run the
// service on plain Node. Starting this way takes a fraction of tsx's time; `npm run dev` keeps
// tsx for restart-on-change. The output is a cache, rebuilt at every start (tens of ms).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'node_modules', '.cache', 'cadap-start');
const sources = ['src', 'db', 'protocols', 'notifications'].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name)),
);
fs.rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: out,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: path.join(root, 'tsconfig.json'),
  sourcemap: 'inline',
  logLevel: 'warning',
});
// What the compiled service reads beside its code, and the module type of the output folder.
fs.cpSync(path.join(root, 'db', 'migrations'), path.join(out, 'db', 'migrations'), { recursive: true });
fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
await import(pathToFileURL(path.join(out, 'src', 'server.js')).href);
