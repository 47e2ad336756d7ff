#!/usr/bin/env node
/**
 * `cadap <command> [options]`: the production command line, compiled into dist/ (the package's
 * `bin`). It needs no dev packages: after `npm ci && npm run build && npm prune --omit=dev`, and
 * in the image, run `node dist/src/cli/cadap.js <command>` (in the image simply `cadap <command>`).
 * Each command is a module in this folder that runs when imported and reads its own options from
 * process.argv; a new command is one more line in COMMANDS. A command of two words is one name
 * with a hyphen (`audit-verify`) and may be typed either way: `cadap audit verify` runs it too.
 */
const COMMANDS: Record<string, { module: string; summary: string }> = {
  migrate: { module: './migrate.js', summary: 'apply the committed migrations to the configured database (DATABASE_URL, or the embedded one in DATA_DIR)' },
  bootstrap: {
    module: './bootstrap.js',
    summary: "create the first organisations of an empty database (the admin's among them) from flags or --file; prints their ids as JSON; --help for options",
  },
  token: { module: './token.js', summary: 'print a token signed with the embedded key (only where the embedded key is the explicit choice); --help for options' },
  'audit-verify': {
    module: './audit-verify.js',
    summary: 'check every audit chain against the signed checkpoints; exits 1 naming the first bad row (stop an embedded service first)',
  },
  backup: { module: './backup.js', summary: 'write one archive of the database and its key files (--out); the embedded one while the service runs; --help for options' },
  restore: { module: './restore.js', summary: 'restore a backup (--from) into an empty data folder (--data-dir) or, with DATABASE_URL, an empty database; --help for options' },
  'retention-run': {
    module: './retention-run.js',
    summary: 'remove old sent e-mails and read notices, erase people whose cases all closed RETENTION_YEARS ago; audited; --dry-run for counts only',
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: cadap <command> [options]\ncommands:\n${lines.join('\n')}\n`;
}

const [first, ...args] = process.argv.slice(2);
// `cadap audit verify` is `cadap audit-verify`.
const twoWords = first !== undefined && args[0] !== undefined ? `${first}-${args[0]}` : undefined;
const [name, rest] = twoWords !== undefined && Object.hasOwn(COMMANDS, twoWords) ? [twoWords, args.slice(1)] : [first, args];
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
  process.exit(name === undefined ? 2 : 0);
}
const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
if (!command) {
  process.stderr.write(`cadap: unknown command "${name}"\n${usage()}`);
  process.exit(2);
}
// The command reads its options as if it had been run on its own.
process.argv = [process.argv[0]!, new URL(command.module, import.meta.url).pathname, ...rest];
await import(command.module);
