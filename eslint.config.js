import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A feature's service does not import src/http/: errors are src/errors.ts, request facts src/request-facts.ts, cursors src/pagination.ts. */
const NO_HTTP = {
  regex: '^\\.\\.?/(.*/)?http/',
  message: 'Only routes.ts (and src/http, src/web, the app) import src/http/: use src/errors.ts, src/request-facts.ts or src/pagination.ts.',
};
/** src/access/ imports no feature folder (its own files, src/auth for the actor, and the top-level modules only). */
const NO_FEATURE = {
  regex: '^\\.\\./(?!auth/)[a-z-]+/',
  message: 'src/access/ imports no feature service: what the policy needs lives in src/access/ (as consents.ts does).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'coverage/**', 'db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration through src/config.ts (loadConfig) only.' },
        {
          // drizzle renders `${table.column}` unqualified in a single-table select list, so inside a
          // subquery it binds to the subquery's own table (issue 13: "the region's coordinator is any coordinator").
          selector:
            "TaggedTemplateExpression[tag.name='sql']:has(TemplateElement[value.raw=/\\bselect\\b/i]) > TemplateLiteral > MemberExpression.expressions[computed=false][object.type='Identifier']",
          message:
            'A `${table.column}` in a sql template with a subquery may render unqualified and bind to the subquery’s table: write `${qualified(table.column)}` (db/qualified.ts), or alias the subquery’s table and name its columns through the alias.',
        },
      ],
    },
  },
  // Layers point one way (CONVENTIONS.md, "Layers point one way"); tests/layers.test.ts shows each rule fire.
  {
    // A feature's service and its helpers decide and store; only its routes.ts speaks HTTP.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/http/**', 'src/web/**', 'src/**/routes.{ts,tsx}', 'src/app.ts', 'src/service.ts', 'src/server.ts', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_HTTP] }] },
  },
  {
    // The access policy is below every feature: features ask it, it asks none of them.
    files: ['src/access/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_HTTP, NO_FEATURE] }] },
  },
  {
    // Pages show what the API shows the signed-in person: they read through the API client, never the database.
    files: ['src/web/pages/**/*.{ts,tsx}', 'src/web/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^((\\.\\./)+db/|drizzle-orm(/|$)|postgres$|@electric-sql/pglite(/|$))',
              message: 'Pages never read the database (db/, drizzle-orm or a driver): ask the API through the page’s ApiClient, and put the read in the service behind it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The protocols and their engine are pure data and functions: the service depends on them, never the reverse.
    files: ['protocols/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/',
              message: 'protocols/ imports nothing from src/: move what it needs beside the engine (as protocols/vocabulary.ts and protocols/field-errors.ts are).',
            },
          ],
        },
      ],
    },
  },
  {
    // The translation catalogues are below every layer: the web, the notifications and the protocols read them.
    files: ['locales/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(src|protocols|notifications|db)/',
              message: 'locales/ imports nothing from src/, protocols/, notifications/ or db/: every layer reads the catalogues, so they read none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    // The database layer is opened with a DatabaseConfig it defines; src/config.ts parses the environment into one.
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+src/', message: 'db/ imports nothing from src/ (not src/config.ts’s parsing either): the caller passes what db/ needs.' }] },
      ],
    },
  },
  {
    // The edges that legitimately read the environment: the entry points and the test harness.
    files: ['src/server.ts', 'src/cli/**', 'tests/**', 'bench/**', 'drizzle.config.ts', 'vitest.config.ts', 'scripts/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
