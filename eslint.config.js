// Lint: the typed rules that catch what a type check does not (floating promises above all).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The examples: Node 20 scripts, and a browser page's script.
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: { fetch: 'readonly', AbortController: 'readonly', TextDecoderStream: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['examples/browser/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { document: 'readonly', location: 'readonly', EventSource: 'readonly', WebSocket: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', JSON: 'readonly' },
    },
  },
  {
    // The dashboard: ES modules loaded by the browser as they are (no bundler).
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly', document: 'readonly', location: 'readonly', fetch: 'readonly', sessionStorage: 'readonly', btoa: 'readonly',
        TextEncoder: 'readonly', TextDecoderStream: 'readonly', EventTarget: 'readonly', Event: 'readonly', CustomEvent: 'readonly',
        AbortController: 'readonly', ResizeObserver: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
      },
    },
  },
);
