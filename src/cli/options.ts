import { parseArgs } from 'node:util';

type OptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
type Help = { help: { type: 'boolean'; short: 'h' } };
type Values<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: O & Help; strict: true }>>['values'];

/** Writes `<command>: <message>` to stderr and exits: 2 (bad input, refused) unless told otherwise. */
export type Fail = (message: string, code?: number) => never;

export function failure(command: string): Fail {
  return (message, code = 2) => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(code);
  };
}

/**
 * A command's options (node:util's parseArgs, strict), with `--help` / `-h` added: help prints the
 * usage and exits 0; an unknown or malformed option prints the problem and the usage and exits 2.
 */
export function readOptions<const O extends OptionsConfig>(command: string, usage: string, options: O): Values<O> {
  const fail: Fail = failure(command);
  let values: Values<O>;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } as O & Help, strict: true }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}
