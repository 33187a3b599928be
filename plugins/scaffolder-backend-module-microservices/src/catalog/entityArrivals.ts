import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** A look the catalog does not answer within this is abandoned (and retried at the next look). */
const LOOK_TIMEOUT_MS = 10_000;
/** The longest pause between looks while waits go on. */
const MAX_INTERVAL_MS = 250;

/**
 * Waits for entities to appear in the catalog, for any number of tasks at once with one catalog request per look:
 * every `intervalMs` the refs still awaited are asked for together (`getEntitiesByRefs`), with the backend's own
 * credentials — it learns only that an entity the task has just registered now exists. Twenty tasks waiting cost
 * the catalog one request a look, not twenty, so the looks can be frequent.
 */
export class EntityArrivals {
  readonly #waiting = new Map<string, Set<(arrived: boolean) => void>>();
  #looking = false;
  #interval: number;

  constructor(
    private readonly options: {
      catalog: CatalogService;
      credentials: () => Promise<BackstageCredentials>;
      intervalMs: number;
    },
  ) {
    this.#interval = options.intervalMs;
  }

  /** True once the catalog returns `entityRef`; false when `timeoutMs` pass or `signal` aborts first. */
  wait(
    entityRef: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const ref = entityRef.toLocaleLowerCase('en-US');
    return new Promise(resolve => {
      if (signal?.aborted) {
        resolve(false);
        return;
      }
      const waiters = this.#waiting.get(ref) ?? new Set();
      // Filled in below; `finish` clears them whichever way the wait ends.
      const cleanup: { timer?: NodeJS.Timeout; onAbort?: () => void } = {};
      let settled = false;
      const finish = (arrived: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(cleanup.timer);
        if (cleanup.onAbort)
          signal?.removeEventListener('abort', cleanup.onAbort);
        waiters.delete(finish);
        if (waiters.size === 0 && this.#waiting.get(ref) === waiters)
          this.#waiting.delete(ref);
        resolve(arrived);
      };
      cleanup.onAbort = () => finish(false);
      cleanup.timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', cleanup.onAbort);
      waiters.add(finish);
      this.#waiting.set(ref, waiters);
      this.#interval = this.options.intervalMs;
      this.#look();
    });
  }

  /** Looks until nobody waits; one loop for all waiters. */
  async #look() {
    if (this.#looking) return;
    this.#looking = true;
    try {
      while (this.#waiting.size > 0) {
        const refs = [...this.#waiting.keys()];
        try {
          // A look that hangs must not hold every waiter: it is abandoned after LOOK_TIMEOUT_MS.
          const { items } = await Promise.race([
            this.options.catalog.getEntitiesByRefs(
              {
                entityRefs: refs,
                fields: ['kind', 'metadata.namespace', 'metadata.name'],
              },
              { credentials: await this.options.credentials() },
            ),
            sleep(LOOK_TIMEOUT_MS, undefined, { ref: false }).then(() => {
              throw new Error('the catalog did not answer in time');
            }),
          ]);
          items.forEach((item, i) => {
            if (item)
              for (const finish of [...(this.#waiting.get(refs[i]) ?? [])])
                finish(true);
          });
        } catch {
          // The catalog did not answer this time; the next look asks again, until each waiter's deadline.
        }
        // Soon after a registration the looks are frequent; a wait that goes on (a location the catalog cannot
        // process yet) is looked at less often, until a new waiter comes.
        if (this.#waiting.size > 0) {
          await sleep(this.#interval);
          this.#interval = Math.min(this.#interval * 1.5, MAX_INTERVAL_MS);
        }
      }
    } finally {
      this.#looking = false;
    }
  }
}
