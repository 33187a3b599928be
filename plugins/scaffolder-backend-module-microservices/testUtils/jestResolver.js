/*
 * kubernetes-models and @kubernetes-models/* export only the `import` condition, which jest (resolving like
 * `require`) does not try; add it for those packages only. Backstage's jest transform handles their ESM syntax.
 */
const ESM_ONLY = /^(?:kubernetes-models(?:\/|$)|@kubernetes-models\/)/;

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    ESM_ONLY.test(request)
      ? { ...options, conditions: [...(options.conditions ?? []), 'import'] }
      : options,
  );
