import type {
  AuthService,
  DiscoveryService,
  HttpAuthService,
  PermissionsService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';
import express from 'express';
import Router from 'express-promise-router';
import {
  assertPreviewable,
  previewTemplate,
  PreviewFieldErrors,
} from './preview';
import { readReleases, type Releases } from './releases';

/** The template the Create form previews when the request names none. */
export const DEFAULT_TEMPLATE_REF = 'template:default/microservice';

export interface RouterOptions {
  auth: AuthService;
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
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { auth, httpAuth, permissions, discovery, catalog, config } = options;
  const timeoutMs =
    config.getOptionalNumber('microservices.preview.timeoutMs') ?? 10_000;
  const maxBytes =
    config.getOptionalNumber('microservices.preview.maxBytes') ?? 5_000_000;
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

  router.post('/preview', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
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
    assertPreviewable(template, ref);

    // The scaffolder's dry run takes any template; the person may not be allowed to use it (production keeps it
    // for the platform team), so this plugin calls it with its own credentials and only ever with the catalog's
    // template, checked above.
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'scaffolder',
    });
    try {
      res.json(
        await previewTemplate({
          template,
          values,
          scaffolderBaseUrl: await discovery.getBaseUrl('scaffolder'),
          token,
          timeoutMs,
          maxBytes,
        }),
      );
    } catch (error) {
      if (error instanceof PreviewFieldErrors) {
        res.status(400).json({
          error: { name: 'InputError', message: error.message },
          fieldErrors: error.fieldErrors,
        });
        return;
      }
      throw error;
    }
  });
  return router;
}
