// What the compiled service reads beside its code at run time: the committed migrations, the
// embedded database template's builder (db/template-build.mjs, plain JavaScript), the web
// workspace's stylesheet (src/web/assets.ts reads it from beside itself) and the translation
// catalogues (locales/*.json, imported by locales/catalogue.ts). `npm run build` runs this file
// after `tsc` to copy them into dist/ (and to make the `cadap` command line executable);
// `npm start` (scripts/start.mjs) copies the same list into its cache. Source files in these
// folders are compiled, not copied.
import fs from 'node:fs';
import path from 'node:path';

export const RUN_TIME_ASSETS = ['db/migrations', 'db/template-build.mjs', 'src/web/app.css', 'src/web/phone.css', 'locales'];

const isSource = (file) => /\.tsx?$/.test(file);

export function copyRunTimeAssets(root, out) {
  for (const asset of RUN_TIME_ASSETS) fs.cpSync(path.join(root, asset), path.join(out, asset), { recursive: true, filter: (source) => !isSource(source) });
}

if (import.meta.filename === process.argv[1]) {
  copyRunTimeAssets('.', 'dist');
  // The package's `bin` (cadap), runnable as a program; the image links it into the PATH.
  fs.chmodSync(path.join('dist', 'src', 'cli', 'cadap.js'), 0o755);
}
