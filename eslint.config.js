// ESLint 9 flat config: the recommended rules of ESLint and typescript-eslint for the server (src/),
// its tests (test/, e2e/), scripts/ and bench/, and the web app (web/src, React). Formatting is
// Prettier's job (npm run format); the one layout rule here is max-len, for what Prettier does
// not break.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * A few type-aware rules catch real defects (a promise nobody awaits, a promise where a callback's result is
 * ignored). They need both TypeScript programs, which makes a run about five times slower (~33 s of CPU against
 * ~6 s on 2 cores); worth it. `CROFT_LINT_TYPED=0 npm run lint` leaves them out for a quick look.
 */
const typed = process.env.CROFT_LINT_TYPED !== '0';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      'dist/',
      'data/',
      'coverage/',
      '.bench/',
      'web/src/api/generated/',
      'docs/',
      'e2e/screenshots/',
      'migrations/',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      ...(typed ? { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } : {}),
    },
    rules: {
      // Lines Prettier leaves long (it does not break strings, comments, URLs or regular expressions).
      'max-len': [
        'error',
        {
          code: 120,
          tabWidth: 2,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreComments: true,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
        },
      ],
      // The code's convention: no `any`.
      '@typescript-eslint/no-explicit-any': 'error',
      // An unused parameter or binding is named `_…` on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Khmer text separates words with zero-width spaces: allowed in comments, strings, templates and JSX text.
      'no-irregular-whitespace': [
        'error',
        { skipComments: true, skipStrings: true, skipTemplates: true, skipJSXText: true },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      ...(typed
        ? {
            // Real defects: a promise nobody awaits or catches, or one passed where a callback's result is ignored.
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
            '@typescript-eslint/await-thenable': 'error',
            '@typescript-eslint/only-throw-error': 'error',
          }
        : {}),
    },
  },
  {
    // The web app runs in the browser; hooks follow React's rules.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Plain JavaScript (scripts/*.mjs, bench workers, this file) is in no TypeScript project.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
