// After `tsc`, copy what the compiled service reads at run time: the committed migrations and
// the web workspace's stylesheet (src/web/assets.ts reads it from beside itself).
import fs from 'node:fs';
fs.cpSync('db/migrations', 'dist/db/migrations', { recursive: true });
fs.cpSync('src/web/app.css', 'dist/src/web/app.css');
