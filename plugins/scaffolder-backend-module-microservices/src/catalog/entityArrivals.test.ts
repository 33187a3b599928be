import type { CatalogService } from '@backstage/plugin-catalog-node';
import { mockCredentials } from '@backstage/backend-test-utils';
import { EntityArrivals } from './entityArrivals';

/** A catalog whose entities appear when the test says, counting the requests it gets. */
function fakeCatalog() {
  const present = new Set<string>();
  const requests: string[][] = [];
  const catalog = {
    getEntitiesByRefs: jest.fn(
      async ({ entityRefs }: { entityRefs: string[] }) => {
        requests.push(entityRefs);
        return {
          items: entityRefs.map(ref =>
            present.has(ref)
              ? { kind: 'Component', metadata: { name: ref } }
              : undefined,
          ),
        };
      },
    ),
  } as unknown as CatalogService;
  return { catalog, present, requests };
}

describe('EntityArrivals', () => {
  it('answers many waiters with one catalog request a look, each when its entity appears', async () => {
    const { catalog, present, requests } = fakeCatalog();
    const arrivals = new EntityArrivals({
      catalog,
      credentials: async () => mockCredentials.service(),
      intervalMs: 20,
    });
    const refs = Array.from(
      { length: 20 },
      (_, i) => `component:default/s-${i}`,
    );
    const waits = refs.map(ref => arrivals.wait(ref, 5_000));
    await new Promise(r => setTimeout(r, 60));
    refs.slice(0, 10).forEach(ref => present.add(ref));
    await new Promise(r => setTimeout(r, 60));
    refs.slice(10).forEach(ref => present.add(ref));
    expect(await Promise.all(waits)).toEqual(refs.map(() => true));
    // Every request asked for all refs still awaited at the time, never one request per waiter.
    // (The first look starts with the first waiter, before the others have joined.)
    expect(requests.length).toBeLessThan(20);
    expect(requests[1]).toHaveLength(20);
    expect(
      Math.min(...requests.slice(1).map(r => r.length)),
    ).toBeGreaterThanOrEqual(10);
  });

  it('gives up at the deadline or on abort, and stops looking when nobody waits', async () => {
    const { catalog, requests } = fakeCatalog();
    const arrivals = new EntityArrivals({
      catalog,
      credentials: async () => mockCredentials.service(),
      intervalMs: 10,
    });
    const controller = new AbortController();
    const aborted = arrivals.wait(
      'component:default/a',
      60_000,
      controller.signal,
    );
    const timedOut = arrivals.wait('component:default/b', 50);
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    expect(await aborted).toBe(false);
    expect(await timedOut).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    const seen = requests.length;
    await new Promise(r => setTimeout(r, 50));
    expect(requests.length).toBe(seen);
  });

  it('keeps looking when the catalog fails once', async () => {
    const { catalog, present } = fakeCatalog();
    const real = catalog.getEntitiesByRefs;
    (catalog.getEntitiesByRefs as jest.Mock).mockImplementationOnce(
      async () => {
        throw new Error('catalog unavailable');
      },
    );
    present.add('component:default/x');
    const arrivals = new EntityArrivals({
      catalog: {
        ...catalog,
        getEntitiesByRefs: catalog.getEntitiesByRefs,
      } as CatalogService,
      credentials: async () => mockCredentials.service(),
      intervalMs: 10,
    });
    expect(await arrivals.wait('component:default/x', 1_000)).toBe(true);
    expect(real).toHaveBeenCalledTimes(2);
  });
});
