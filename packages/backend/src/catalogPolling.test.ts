/*
 * packages/backend runs a patched @backstage/plugin-catalog-backend (.yarn/patches): its processing engine waits
 * `catalog.processingEngine.pollingInterval` for new work when idle, where upstream fixes one second. These tests
 * start the catalog plugin as the backend does and check that the patch is the code that runs.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const startCatalog = (catalog: JsonObject) =>
  startTestBackend({
    features: [
      catalogPlugin,
      mockServices.rootConfig.factory({ data: { catalog } }),
    ],
  });

describe('the catalog processing engine’s polling interval', () => {
  it('starts with the interval app-config.yaml sets', async () => {
    const { catalog } = YAML.parse(
      fs.readFileSync(
        path.resolve(__dirname, '../../../app-config.yaml'),
        'utf8',
      ),
    );
    expect(catalog.processingEngine.pollingInterval).toEqual({
      milliseconds: 100,
    });
    const backend = await startCatalog({
      processingEngine: catalog.processingEngine,
    });
    await backend.stop();
  });

  it('refuses an interval outside 10 ms to 1 minute, naming the key', async () => {
    await expect(
      startCatalog({ processingEngine: { pollingInterval: { minutes: 5 } } }),
    ).rejects.toThrow(
      'Invalid config at catalog.processingEngine.pollingInterval: must be from 10 milliseconds to 1 minute, got 300000 ms',
    );
    await expect(
      startCatalog({ processingEngine: { pollingInterval: 'soon' } }),
    ).rejects.toThrow('catalog.processingEngine.pollingInterval');
  });
});
