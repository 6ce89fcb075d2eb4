// The dependency rule (docs/architecture.md): imports point inward only.
// cli/http/jobs -> services -> repos/formats -> db -> domain -> contract.
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ group: forbidden.flatMap((f) => [`**/${f}`, `**/${f}/**`, `**/${f}.js`]), message }],
    }],
  },
});

const IO_MODULES = ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process', 'better-sqlite3', 'kysely', 'fastify'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '**/dist/**', 'coverage/**', 'test/.cache/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|\\./).*', message: 'contract/ imports zod and itself only' }] }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: IO_MODULES.map((name) => ({ name, message: 'domain/ holds types and rules, no I/O' })),
        patterns: [{ group: ['**/db/**', '**/repos/**', '**/services/**', '**/http/**', '**/cli/**', '**/jobs/**', '**/formats/**', '**/config.js', '**/main.js'], message: 'domain/ depends on contract/ only' }],
      }],
    },
  },
  layer(['src/db/**/*.ts'], ['repos', 'services', 'http', 'cli', 'jobs', 'formats', 'main'], 'db/ must not depend on outer layers'),
  layer(['src/repos/**/*.ts', 'src/formats/**/*.ts'], ['services', 'http', 'cli', 'jobs', 'main'], 'repos/ and formats/ do I/O for services; they must not import them'),
  {
    ...layer(['src/services/**/*.ts'], ['http', 'cli', 'jobs', 'main', 'db/database'], 'services/ receive repos; they must not import http, cli, jobs or the composition root'),
    ignores: ['**/*.test.ts'],
  },
  {
    ...layer(['src/http/**/*.ts', 'src/jobs/**/*.ts'], ['repos', 'db', 'formats', 'cli', 'main'], 'http/ and jobs/ call services only'),
    ignores: ['**/*.test.ts'],
  },
  layer(['web/**/*.ts', 'web/**/*.tsx'], ['src'], 'web/ talks to the server only through contract/'),
);
