import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
          selector: "TaggedTemplateExpression[tag.name='sql']:has(TemplateElement[value.raw=/\\bselect\\b/i]) > TemplateLiteral > MemberExpression.expressions[computed=false][object.type='Identifier']",
          message: 'A `${table.column}` in a sql template with a subquery may render unqualified and bind to the subquery’s table: write `${qualified(table.column)}` (db/qualified.ts), or alias the subquery’s table and name its columns through the alias.',
        },
      ],
    },
  },
  {
    // The edges that legitimately read the environment: the entry points and the test harness.
    files: ['src/server.ts', 'src/cli/**', 'tests/**', 'bench/**', 'drizzle.config.ts', 'vitest.config.ts', 'scripts/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
