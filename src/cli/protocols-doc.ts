import fs from 'node:fs';
import path from 'node:path';
import { protocolsReadme } from '../../protocols/doc.js';

/** `npm run protocols:doc` writes protocols/README.md; with `--check` it fails when the file is stale. */
const file = path.resolve(import.meta.dirname, '../../protocols/README.md');
const expected = protocolsReadme();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== expected) {
    process.stderr.write('protocols/README.md is stale: run `npm run protocols:doc` and commit it.\n');
    process.exit(1);
  }
  process.stdout.write('protocols/README.md is up to date.\n');
} else {
  fs.writeFileSync(file, expected);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}.\n`);
}
