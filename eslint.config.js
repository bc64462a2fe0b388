import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Boundary rules for no-restricted-imports. A flat-config block replaces the rule's options rather than
// merging them, so each block below lists every pattern that applies to its files.
const deepImport = { group: ['@fedfuse/*/src/*'], message: 'Import a package through its index.' };
const crossPackagePath = {
  group: ['**/apps/*/**', '**/packages/*/**'],
  message:
    'Import another package by its name (a declared workspace:* dependency and an export), not by path.',
};
const naclOutsideCrypto = {
  group: ['tweetnacl', 'tweetnacl/*'],
  message: 'Only @fedfuse/crypto may use tweetnacl: import what you need from @fedfuse/crypto.',
};
const mlCode = { group: ['@tensorflow/*', '@fedfuse/model'], message: 'No ML code in this package.' };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/scratch/**', 'bench/out/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-params': ['error', 3],
      'no-restricted-imports': ['error', { patterns: [deepImport, crossPackagePath, naclOutsideCrypto] }],
    },
  },
  {
    files: ['packages/strategy/**', 'packages/protocol/**', 'packages/privacy/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [deepImport, crossPackagePath, naclOutsideCrypto, mlCode] },
      ],
    },
  },
  {
    files: ['packages/crypto/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImport, crossPackagePath, mlCode] }] },
  },
  {
    // tfjs ops are generic in the rank (`reshape<R>(): Tensor<R>`); `as Tensor2D` is the readable form.
    files: ['packages/model/**', 'bench/train-throughput/**'],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  {
    // Nest injects dependencies through constructors; max-params would only push them into a god object.
    files: ['apps/coordinator/src/**/*.{service,gateway,controller,guard}.ts'],
    rules: { 'max-params': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
