// What the compiled service reads beside its code at run time: the committed migrations and the
// web workspace's stylesheet (src/web/assets.ts reads it from beside itself). `npm run build`
// runs this file after `tsc` to copy them into dist/; `npm start` (scripts/start.mjs) copies the
// same list into its cache.
import fs from 'node:fs';
import path from 'node:path';

export const RUN_TIME_ASSETS = ['db/migrations', 'src/web/app.css'];

export function copyRunTimeAssets(root, out) {
  for (const asset of RUN_TIME_ASSETS) fs.cpSync(path.join(root, asset), path.join(out, asset), { recursive: true });
}

if (import.meta.filename === process.argv[1]) copyRunTimeAssets('.', 'dist');
