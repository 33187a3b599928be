import type { AuthService } from '@backstage/backend-plugin-api';
import { ConfigReader, type Config } from '@backstage/config';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  ConflictError,
  ForwardedError,
  InputError,
  NotAllowedError,
} from '@backstage/errors';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ScmIntegrations,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EntityArrivals } from '../catalog/entityArrivals';
import { examples } from './catalogRegister.examples';
import { withDefault } from './inputProperties';
import {
  localPublishingEnabled,
  localPublishingOff,
  localReposDirectory,
} from './publishLocal';

export const CATALOG_REGISTER_ID = 'microservice:catalog:register';

/** The wait for the registered entity looks after 50 ms, then half as long again each time, at most every 500 ms. */
const FIRST_LOOK_MS = 50;
const LAST_LOOK_MS = 500;
/** How often the shared wait (EntityArrivals) looks for every task's entity at once. */
const SHARED_LOOK_MS = 50;

/** The entity a registration is "about": the Component when there is one, like the built-in action. */
function mainEntity(entities: Entity[]): Entity | undefined {
  const real = entities.filter(e => !e.metadata.name.startsWith('generated-'));
  return real.find(e => e.kind === 'Component') ?? real[0] ?? entities[0];
}

// The catalog client's ResponseError carries the catalog's own explanation in its body.
function describeError(error: unknown): string {
  const detail = (error as { body?: { error?: { message?: string } } })?.body
    ?.error?.message;
  const message = error instanceof Error ? error.message : String(error);
  return detail && !message.includes(detail)
    ? `${message}: ${detail}`
    : message;
}

/** Thrown when the task is cancelled during the wait; never downgraded to a warning by `optional`. */
class CancelledWait extends Error {
  name = 'CancelledWait';
}

/**
 * The catalog's refusal, keeping its kind where the caller acts on it (403 stays NotAllowedError, 409 stays
 * ConflictError, so the scaffolder answers with the same status) and the original error as the cause.
 */
function refusal(message: string, cause: unknown): Error {
  const name =
    (cause as { body?: { error?: { name?: string } } })?.body?.error?.name ??
    (cause as { name?: string })?.name;
  if (name === 'NotAllowedError') return new NotAllowedError(message, cause);
  if (name === 'ConflictError') return new ConflictError(message, cause);
  return new ForwardedError(message, cause);
}

// What the scaffolder hands on from a step it skipped in a dry run (one whose action has no dry-run support).
const DRY_RUN_EXAMPLE_OUTPUT = '<example>';

/**
 * Input of `microservice:catalog:register`.
 *
 * @public
 */
export type CatalogRegisterInput = {
  catalogInfoUrl: string;
  optional?: boolean;
  waitForEntitySeconds?: number;
};

/**
 * Output of `microservice:catalog:register`; a dry run names no entity.
 *
 * @public
 */
export type CatalogRegisterOutput = {
  catalogInfoUrl: string;
  entityRef?: string;
};

/**
 * Registers a catalog-info file as a `url` location: an http(s) URL (as `catalog:register` does), or a `file://`
 * URL inside the local publishing directory, which the embedded backend reads with its local-repository reader.
 * A dry run validates the location and reports it without calling the catalog.
 *
 * @public
 */
export function createCatalogRegisterAction(options: {
  catalog: CatalogService;
  /**
   * The backend's auth service. With it, the waits of all tasks for their entities share one catalog request per
   * look (with the backend's own credentials, confirmed with the initiator's; see EntityArrivals), from every 50 ms
   * backing off to every 250 ms; without it each task looks on its own with the initiator's credentials, backing
   * off from 50 ms to 500 ms.
   */
  auth?: AuthService;
  config?: Config;
  /** The backend's SCM integrations: an http(s) location must be on one of their hosts. Default: from `config`. */
  integrations?: ScmIntegrationRegistry;
}): TemplateAction<CatalogRegisterInput, CatalogRegisterOutput, 'v2'> {
  const { catalog, config, auth } = options;
  const arrivals = auth
    ? new EntityArrivals({
        catalog,
        credentials: () => auth.getOwnServiceCredentials(),
        intervalMs: SHARED_LOOK_MS,
      })
    : undefined;
  const integrations =
    options.integrations ??
    ScmIntegrations.fromConfig(config ?? new ConfigReader({}));
  return createTemplateAction({
    id: CATALOG_REGISTER_ID,
    description:
      'Registers a catalog-info.yaml in the catalog as a url location: from an SCM host, or file:// from a locally published repository',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        catalogInfoUrl: z =>
          z.string({
            description:
              'http(s) URL of the catalog-info.yaml, or file:// URL of one in a locally published repository',
          }),
        optional: z =>
          withDefault(
            z.boolean({
              description: 'Log instead of failing when the catalog refuses',
            }),
            false,
          ),
        waitForEntitySeconds: z =>
          withDefault(
            z
              .number({
                description:
                  'Wait up to this many seconds until the catalog has processed the entity, so that the task\'s "Open in catalog" link finds it (0: do not wait)',
              })
              .min(0)
              .max(300),
            0,
          ),
      },
      output: {
        entityRef: z =>
          z
            .string({
              description: 'The registered Component (or first entity)',
            })
            .optional(),
        catalogInfoUrl: z => z.string({ description: 'What was registered' }),
      },
    },
    async handler(ctx) {
      const { catalogInfoUrl } = ctx.input;
      const optional = ctx.input.optional ?? false;
      if (ctx.isDryRun && catalogInfoUrl?.includes(DRY_RUN_EXAMPLE_OUTPUT)) {
        ctx.logger.warn(
          `Dry run: '${catalogInfoUrl}' comes from a step that did not run in this dry run (its action has no dry-run support); a real run registers the catalog-info.yaml that step publishes`,
        );
        ctx.output('catalogInfoUrl', catalogInfoUrl);
        return;
      }
      let location: { type: 'url'; target: string };
      if (/^https?:\/\//.test(catalogInfoUrl ?? '')) {
        // The catalog reads a url location through the backend's integrations; a host without one would be read
        // anonymously, or not at all, so it is refused here rather than left to fail in the catalog.
        const host = new URL(catalogInfoUrl).host;
        if (!integrations.byUrl(catalogInfoUrl))
          throw new InputError(
            `catalogInfoUrl: '${catalogInfoUrl}' is on ${host}, which has no SCM integration on this backend (integrations in app-config)`,
          );
        location = { type: 'url', target: catalogInfoUrl };
      } else if (/^file:\/\//.test(catalogInfoUrl ?? '')) {
        if (!localPublishingEnabled(config))
          throw localPublishingOff('catalogInfoUrl');
        const file = fileURLToPath(catalogInfoUrl);
        // Only files in published local repositories.
        const reposDir = localReposDirectory(config);
        const relative = path.relative(reposDir, file);
        if (relative.startsWith('..') || path.isAbsolute(relative)) {
          throw new InputError(
            `catalogInfoUrl: file locations must be inside the local publishing directory ${reposDir}`,
          );
        }
        // A dry-run publish creates nothing, so only a real run can insist that the file exists.
        if (!ctx.isDryRun && !fs.existsSync(file))
          throw new InputError(`catalogInfoUrl: ${file} does not exist`);
        // A url location, read by the embedded backend's local-repository URL reader: relative placeholders
        // ($text: ./openapi.yaml) resolve as for SCM URLs, and the catalog never needs `file` locations.
        location = { type: 'url', target: catalogInfoUrl };
      } else {
        throw new InputError(
          `catalogInfoUrl: '${catalogInfoUrl}' must be an http(s):// or file:// URL`,
        );
      }

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would register ${location.type} location ${location.target} in the catalog; the catalog was not called`,
        );
        ctx.output('catalogInfoUrl', catalogInfoUrl);
        return;
      }
      ctx.logger.info(
        `Registering ${location.type} location ${location.target} in the catalog`,
      );
      const credentials = await ctx.getInitiatorCredentials();
      // The catalog processes a new location in the background; a bounded wait lets the task end when the
      // entity can be opened. Running out of time is not a failure: the location is registered.
      // The first looks come soon (processing and stitching take a few hundred milliseconds on an idle catalog),
      // later ones less often, so many tasks waiting at once do not crowd the catalog with reads.
      const waitForEntity = async (entityRef: string, seconds: number) => {
        if (arrivals && seconds > 0) {
          const arrived = await arrivals.wait(
            entityRef,
            seconds * 1000,
            ctx.signal,
          );
          if (ctx.signal?.aborted)
            throw new CancelledWait(
              `The task was cancelled while waiting for ${entityRef} to appear in the catalog; the location is registered`,
            );
          // The shared look read with the backend's credentials; what the task reports is what its initiator
          // can read, so nobody learns of an entity hidden from them.
          if (
            arrived &&
            (await catalog.getEntityByRef(entityRef, { credentials }))
          )
            ctx.logger.info(`${entityRef} is in the catalog`);
          else
            ctx.logger.warn(
              `${entityRef} is not in the catalog after ${seconds} s; it appears once the catalog has processed the location`,
            );
          return;
        }
        const deadline = Date.now() + seconds * 1000;
        let interval = FIRST_LOOK_MS;
        while (Date.now() < deadline) {
          if (await catalog.getEntityByRef(entityRef, { credentials })) {
            ctx.logger.info(`${entityRef} is in the catalog`);
            return;
          }
          // A cancelled task stops waiting at once.
          await sleep(interval, undefined, { signal: ctx.signal }).catch(
            () => {},
          );
          interval = Math.min(interval * 1.5, LAST_LOOK_MS);
          if (ctx.signal?.aborted) {
            throw new CancelledWait(
              `The task was cancelled while waiting for ${entityRef} to appear in the catalog; the location is registered`,
            );
          }
        }
        if (seconds > 0)
          ctx.logger.warn(
            `${entityRef} is not in the catalog after ${seconds} s; it appears once the catalog has processed the location`,
          );
      };
      try {
        // Validate first, so a refused file never leaves a dangling location behind.
        const preview = await catalog.addLocation(
          { ...location, dryRun: true },
          { credentials },
        );
        const entity = mainEntity(preview.entities);
        if (!preview.exists) {
          await catalog.addLocation(location, { credentials });
        }
        if (entity) {
          const entityRef = stringifyEntityRef(entity);
          await waitForEntity(entityRef, ctx.input.waitForEntitySeconds ?? 0);
          ctx.output('entityRef', entityRef);
        }
      } catch (error) {
        if (error instanceof CancelledWait) throw error;
        const message = `The catalog refused ${location.type} location ${
          location.target
        }: ${describeError(error)}`;
        if (!optional) throw refusal(message, error);
        ctx.logger.warn(message);
      }
      ctx.output('catalogInfoUrl', catalogInfoUrl);
    },
  });
}
