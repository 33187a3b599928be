module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // A test harness that runs from the repository checkout and is never built or published: it finds the
    // repository (packages/backend, app-config files, fixtures) from its own location.
    'no-restricted-syntax': 'off',
  },
});
