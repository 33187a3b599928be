module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  ignorePatterns: ['skeletons/**'],
  overrides: [
    {
      // The conformance tier declares its checks through a small recording wrapper around `it`, in a matrix.
      files: ['conformance/**/*.ts'],
      rules: {
        'jest/no-standalone-expect': 'off',
        'jest/valid-title': 'off',
        'jest/expect-expect': 'off',
        'no-loop-func': 'off',
      },
    },
    {
      // Action code must stay inside the workspace and work from a built package.
      files: ['src/actions/**/*.ts'],
      excludedFiles: ['**/*.test.ts', '**/*.testUtils.ts'],
      rules: {
        'no-restricted-syntax': [
          'error',
          {
            selector:
              "CallExpression[callee.object.name='path'][callee.property.name='resolve']",
            message:
              'Use resolveSafeChildPath from @backstage/backend-plugin-api',
          },
          {
            selector: "Identifier[name='__dirname']",
            message:
              'Use resolvePackagePath from @backstage/backend-plugin-api',
          },
        ],
      },
    },
  ],
});
