import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertStartable, loadConfig } from '../src/config.js';

/** `.env.example` is what a deployer copies: every setting in it is one the service reads, and together they make a startable production configuration. */
describe('.env.example', () => {
  const text = readFileSync(join(import.meta.dirname, '..', '.env.example'), 'utf8');
  const lines = text.split('\n').map((line) => line.replace(/^#\s?(?=[A-Z_]+=)/, ''));
  const settings = Object.fromEntries(lines.filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

  it('names only settings documented in the README’s Configuration table', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    for (const name of Object.keys(settings)) expect(readme, name).toContain(`\`${name}\``);
  });

  it('is a valid, startable production configuration as written (commented lines left out)', () => {
    const active = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const config = loadConfig(active);
    expect(config.database.kind).toBe('postgres');
    expect(() => assertStartable(config)).not.toThrow();
  });
});
