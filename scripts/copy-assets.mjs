// After `tsc`, copy what the compiled service reads at run time: the committed migrations.
import fs from 'node:fs';
fs.cpSync('db/migrations', 'dist/db/migrations', { recursive: true });
