/*
 * packages/backend runs a patched @backstage/plugin-catalog-backend (.yarn/patches): its processing engine waits
 * `catalog.processingEngine.pollingInterval` for new work when idle, where upstream fixes one second. These tests
 * start the catalog plugin as the backend does and read the interval the engine was given — so they fail when an
 * upgrade (`backstage-cli versions:bump` replaces the `patch:` dependency) drops the patch.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

// Each start runs the catalog's database migrations, which takes a few seconds on a busy machine.
const TIMEOUT_MS = 60_000;

// The engine class is internal to the package (not in its exports), so it is loaded from its file: the same
// module the plugin loads.
const engineModule = path.join(
  path.dirname(
    require.resolve('@backstage/plugin-catalog-backend/package.json'),
  ),
  'dist/processing/DefaultCatalogProcessingEngine.cjs.js',
);
const { DefaultCatalogProcessingEngine } = require(engineModule);

const startCatalog = (catalog: JsonObject) =>
  startTestBackend({
    features: [
      catalogPlugin,
      mockServices.rootConfig.factory({ data: { catalog } }),
    ],
  });

/** Starts the catalog with `catalog` config and answers the polling interval its processing engine started with. */
async function engineInterval(catalog: JsonObject): Promise<number> {
  const start = jest.spyOn(DefaultCatalogProcessingEngine.prototype, 'start');
  try {
    const backend = await startCatalog(catalog);
    await backend.stop();
    expect(start).toHaveBeenCalledTimes(1);
    return (start.mock.contexts[0] as { pollingIntervalMs: number })
      .pollingIntervalMs;
  } finally {
    start.mockRestore();
  }
}

describe('the catalog processing engine’s polling interval', () => {
  it(
    'is the interval app-config.yaml sets, and upstream’s second without it',
    async () => {
      const { catalog } = YAML.parse(
        fs.readFileSync(
          path.resolve(__dirname, '../../../app-config.yaml'),
          'utf8',
        ),
      );
      expect(catalog.processingEngine.pollingInterval).toEqual({
        milliseconds: 100,
      });
      await expect(
        engineInterval({ processingEngine: catalog.processingEngine }),
      ).resolves.toBe(100);
      await expect(engineInterval({})).resolves.toBe(1000);
    },
    TIMEOUT_MS,
  );

  it(
    'refuses an interval outside 10 ms to 1 minute, naming the key',
    async () => {
      await expect(
        startCatalog({ processingEngine: { pollingInterval: { minutes: 5 } } }),
      ).rejects.toThrow(
        'Invalid config at catalog.processingEngine.pollingInterval: must be from 10 milliseconds to 1 minute, got 300000 ms',
      );
      await expect(
        startCatalog({ processingEngine: { pollingInterval: 'soon' } }),
      ).rejects.toThrow('catalog.processingEngine.pollingInterval');
    },
    TIMEOUT_MS,
  );
});
