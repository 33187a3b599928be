import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  DiscoveryService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  listUpdateProposals,
  type UpdateProposal,
  type UpdateProposalTarget,
} from '@cross-stack/plugin-scaffolder-backend-module-microservices';
import { updateTarget } from '@cross-stack/plugin-microservices-common';
import { ScmIntegrations } from '@backstage/integration';
import express from 'express';
import Router from 'express-promise-router';
import {
  assertPreviewable,
  DryRunFailed,
  previewTemplate,
  PreviewFieldErrors,
} from './preview';
import { readReleases, type Releases } from './releases';

/** What POST /proposals answers for one entity. */
type ProposalsResult = { proposals: UpdateProposal[] } | { error: string };

/** Most Components one POST /proposals asks about, and how many repositories it looks up at a time. */
const MAX_PROPOSAL_REFS = 500;
const PROPOSAL_LOOKUPS = 4;

/** The template the Create form previews when the request names none. */
export const DEFAULT_TEMPLATE_REF = 'template:default/microservice';

export interface RouterOptions {
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  discovery: DiscoveryService;
  catalog: CatalogService;
  config: RootConfigService;
  releases?: () => Releases;
}

/**
 * GET /releases — the template package's version and changelog (any signed-in caller or service).
 * POST /preview — `{ templateRef?, values }`: the files the template would generate with those values, through
 * the scaffolder's dry run. Signed-in people only, who may create tasks and read the template.
 * POST /proposals — `{ entityRefs }`: for each Component the person can read, the update proposals of its
 * repository (pull/merge requests from update branches, or a local repository's update branches), newest first,
 * or why there are none to list.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { auth, auditor, httpAuth, logger, permissions, discovery, catalog } =
    options;
  const bounds = options.config.getOptionalConfig('microservices.preview');
  const timeoutMs = bounds?.getOptionalNumber('timeoutMs') ?? 10_000;
  const maxBytes = bounds?.getOptionalNumber('maxBytes') ?? 5_000_000;
  const concurrency = bounds?.getOptionalNumber('concurrency') ?? 4;
  const templates = (
    bounds?.getOptionalStringArray('templates') ?? [DEFAULT_TEMPLATE_REF]
  ).map(ref =>
    stringifyEntityRef(parseEntityRef(ref, { defaultKind: 'template' })),
  );
  // Previews running now, and whose: a dry run costs the backend a render, so there are at most `concurrency` at
  // once and one per person (a form sends a new one only after the last answered).
  const running = new Set<string>();
  // One registry for the backend's life: the GitHub credentials it hands out (an App's tokens) are cached per registry.
  const integrations = ScmIntegrations.fromConfig(options.config);
  // The package does not change while the backend runs.
  const releases = options.releases ?? readReleases;
  let cached: Releases | undefined;

  const router = Router();
  router.use(express.json({ limit: '256kb' }));

  router.get('/releases', async (req, res) => {
    await httpAuth.credentials(req);
    cached ??= releases();
    res.json(cached);
  });

  /** The preview for one person, once the limits let it run. */
  async function preview(
    req: express.Request,
    res: express.Response,
    credentials: BackstageCredentials<BackstageUserPrincipal>,
  ) {
    const person = credentials.principal.userEntityRef;
    const { values, templateRef = DEFAULT_TEMPLATE_REF } = req.body ?? {};
    if (!values || typeof values !== 'object' || Array.isArray(values))
      throw new InputError('values: must be an object of the form values');
    if (typeof templateRef !== 'string')
      throw new InputError('templateRef: must be an entity reference');
    let ref: string;
    try {
      ref = stringifyEntityRef(
        parseEntityRef(templateRef, { defaultKind: 'template' }),
      );
    } catch (error) {
      throw new InputError(`templateRef: ${(error as Error).message}`);
    }
    const [decision] = await permissions.authorize(
      [{ permission: taskCreatePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(
        'You may not create scaffolder tasks, so you cannot preview one',
      );
    // Read as the person: a template they cannot see does not exist for them.
    const template = await catalog.getEntityByRef(ref, { credentials });
    if (!template || template.kind.toLocaleLowerCase('en-US') !== 'template')
      throw new NotFoundError(`templateRef: ${ref} is not in the catalog`);
    assertPreviewable(template, ref, templates);

    const event = await auditor.createEvent({
      eventId: 'template-preview',
      severityLevel: 'low',
      request: req,
      meta: { templateRef: ref },
    });
    try {
      // The scaffolder's dry run takes any template; the person may not be allowed to use it (production keeps it
      // for the platform team), so this plugin calls it with its own credentials, only with the catalog's copy of
      // an allowed template whose steps are all dry-run-safe (assertPreviewable), and only the person's values.
      const { token } = await auth.getPluginRequestToken({
        onBehalfOf: await auth.getOwnServiceCredentials(),
        targetPluginId: 'scaffolder',
      });
      const result = await previewTemplate({
        template,
        values,
        scaffolderBaseUrl: await discovery.getBaseUrl('scaffolder'),
        token,
        timeoutMs,
        maxBytes,
      });
      await event.success({
        meta: { files: result.tree.length, durationMs: result.durationMs },
      });
      res.json(result);
    } catch (error) {
      await event.fail({ error: error as Error });
      if (error instanceof PreviewFieldErrors) {
        res.status(400).json({
          error: { name: 'InputError', message: error.message },
          fieldErrors: error.fieldErrors,
        });
        return;
      }
      if (error instanceof DryRunFailed) {
        logger.error(
          `Preview of ${ref} for ${person} failed: ${error.message}`,
        );
        throw new Error(
          'The preview failed on the portal; the portal log has the details',
        );
      }
      throw error;
    }
  }

  router.post('/preview', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const person = credentials.principal.userEntityRef;
    if (running.has(person) || running.size >= concurrency) {
      res.status(429).json({
        error: {
          name: 'TooManyRequests',
          message: running.has(person)
            ? 'A preview of yours is still rendering; the next one starts when it has answered'
            : `${running.size} previews are rendering; try again in a moment`,
        },
      });
      return;
    }
    running.add(person);
    try {
      await preview(req, res, credentials);
    } finally {
      running.delete(person);
    }
  });
  router.post('/proposals', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { entityRefs } = req.body ?? {};
    if (
      !Array.isArray(entityRefs) ||
      entityRefs.some(ref => typeof ref !== 'string') ||
      entityRefs.length > MAX_PROPOSAL_REFS
    )
      throw new InputError(
        `entityRefs: must be a list of at most ${MAX_PROPOSAL_REFS} entity references`,
      );
    // One answer per entity, however the caller spelled or repeated it (the catalog stores refs in lower case).
    const refs = [
      ...new Set(
        (entityRefs as string[]).map(ref => ref.toLocaleLowerCase('en-US')),
      ),
    ];
    // Read as the person: an entity they cannot see is answered as not found.
    const { items } = await catalog.getEntitiesByRefs(
      { entityRefs: refs, fields: ['kind', 'metadata'] },
      { credentials },
    );
    const results: Record<string, ProposalsResult> = {};
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= refs.length) return;
        const entity = items[i];
        const ref = refs[i];
        if (!entity) {
          results[ref] = { error: 'not in the catalog' };
          continue;
        }
        const target = updateTarget(entity);
        if (!target.ok) {
          results[ref] = { error: target.reason };
          continue;
        }
        try {
          results[ref] = {
            proposals: await listUpdateProposals({
              target: target.values as UpdateProposalTarget,
              config: options.config,
              integrations,
            }),
          };
        } catch (error) {
          results[ref] = { error: (error as Error).message };
        }
      }
    };
    // The provider's API is asked for a few repositories at a time.
    await Promise.all(Array.from({ length: PROPOSAL_LOOKUPS }, worker));
    res.json({ results });
  });

  return router;
}
