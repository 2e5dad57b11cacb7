// Lint with the layer rules: shared/ is runtime-free, renderer/ reaches only shared/, and only the Electron shell
// (electron/main, electron/preload) imports 'electron'.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeModuleNames = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'crypto',
  'child_process',
  'net',
  'http',
  'https',
  'stream',
  'url',
  'util',
  'events',
  'worker_threads',
  'buffer',
];
const nodeBuiltins = ['node:*'];
const nodePaths = (message) => nodeModuleNames.map((name) => ({ name, message }));

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'reports/**',
      'test-results/**',
      'playwright-report/**',
      'bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: [
      'electron/**/*.ts',
      'test/**/*.ts',
      'e2e/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.mjs',
      'scripts/**/*.ts',
      '*.config.{ts,js}',
      'bin/**/*.js',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodePaths('shared/ must not use Node APIs: it is loaded by the renderer too.'),
          patterns: [
            {
              group: nodeBuiltins,
              message: 'shared/ must not use Node APIs: it is loaded by the renderer too.',
            },
            { group: ['electron', 'electron/*'], message: 'shared/ must not import electron.' },
            {
              group: ['**/electron/**', '**/renderer/**'],
              message: 'shared/ imports neither electron/ nor renderer/.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'process',
        'Buffer',
        'require',
        'navigator',
        'localStorage',
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: nodePaths('The renderer has no Node APIs; use window.kreo.'),
          patterns: [
            { group: nodeBuiltins, message: 'The renderer has no Node APIs; use window.kreo.' },
            {
              group: ['electron', 'electron/*'],
              message: 'The renderer talks only to window.kreo (the preload API).',
            },
            { group: ['**/electron/**'], message: 'The renderer imports only shared/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**', 'electron/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*'],
              message:
                'Only the Electron shell (electron/main, electron/preload) imports electron; services stay Node-only.',
            },
            { group: ['**/renderer/**'], message: 'The main process does not import the renderer.' },
          ],
        },
      ],
    },
  },
  {
    // Raw IPC stays in one file per side (electron/main/ipc-main.ts, electron/preload/index.ts).
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    ignores: [
      'electron/main/ipc-main.ts',
      'electron/preload/index.ts',
      '**/*.test.ts',
      'electron/main/testing/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message:
                'Use the typed wrappers: handleTrusted (ipc-main.ts) or window.kreo (preload/index.ts).',
            },
          ],
          patterns: [
            { group: ['**/renderer/**'], message: 'The main process does not import the renderer.' },
          ],
        },
      ],
    },
  },
  {
    // Pushes to the window go through electron/main/push-sender.ts (batched), never webContents.send directly.
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/push-sender.ts', '**/*.test.ts', 'electron/main/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='send'][callee.object.property.name='webContents']",
          message: 'Push through createPushSender (electron/main/push-sender.ts).',
        },
      ],
    },
  },
);
