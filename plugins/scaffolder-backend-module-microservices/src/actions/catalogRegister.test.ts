import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createCatalogRegisterAction } from './catalogRegister';

describe('microservice:catalog:register', () => {
  const dir = createMockDirectory();
  const config = () =>
    new ConfigReader({
      microservices: {
        localPublishing: { enabled: true, directory: dir.resolve('repos') },
      },
    });
  const component = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'billing-api' },
    spec: {},
  };
  const api = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: { name: 'billing-api' },
    spec: {},
  };

  function setup(entities: object[] = [api, component], exists = false) {
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async (req: any) => ({
        location: { id: '1', type: req.type, target: req.target },
        entities: req.dryRun ? (entities as any) : [],
        exists,
      })) as any,
    });
    return {
      catalog,
      action: createCatalogRegisterAction({ catalog, config: config() }),
    };
  }

  beforeEach(() =>
    dir.setContent({
      repos: { 'billing-api': { 'catalog-info.yaml': 'kind: Component' } },
    }),
  );

  const run = async (action: any, input: object) => {
    const ctx = createMockActionContext({ input: input as any });
    await action.handler(ctx);
    return ctx;
  };

  it('registers a url location after validating it, and outputs the Component', async () => {
    const { catalog, action } = setup();
    const url =
      'https://github.com/acme/billing-api/blob/main/catalog-info.yaml';
    const ctx = await run(action, { catalogInfoUrl: url });
    expect(catalog.addLocation).toHaveBeenNthCalledWith(
      1,
      { type: 'url', target: url, dryRun: true },
      expect.anything(),
    );
    expect(catalog.addLocation).toHaveBeenNthCalledWith(
      2,
      { type: 'url', target: url },
      expect.anything(),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/billing-api',
    );
    expect(ctx.output).toHaveBeenCalledWith('catalogInfoUrl', url);
  });

  it('waits, when asked, until the catalog has processed the entity', async () => {
    const { catalog, action } = setup();
    catalog.getEntityByRef = jest
      .fn()
      .mockResolvedValueOnce(undefined)
      .mockResolvedValue(component) as any;
    const ctx = await run(action, {
      catalogInfoUrl:
        'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
      waitForEntitySeconds: 10,
    });
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(2);
    expect(catalog.getEntityByRef).toHaveBeenCalledWith(
      'component:default/billing-api',
      expect.anything(),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/billing-api',
    );
  });

  it('with the backend’s auth, shares one catalog request per look among the waiting tasks', async () => {
    const { catalog } = setup();
    let looks = 0;
    catalog.getEntitiesByRefs = jest.fn(
      async ({ entityRefs }: { entityRefs: string[] }, { credentials }) => {
        // The backend's own credentials, not a task initiator's.
        expect(credentials.principal).toMatchObject({ type: 'service' });
        looks += 1;
        return {
          items: entityRefs.map(() => (looks > 1 ? component : undefined)),
        };
      },
    ) as any;
    // Once the shared look finds it, each task confirms with its initiator's credentials.
    catalog.getEntityByRef = jest.fn(async () => component) as any;
    const action = createCatalogRegisterAction({
      catalog,
      auth: mockServices.auth(),
      config: config(),
    });
    const input = {
      catalogInfoUrl:
        'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
      waitForEntitySeconds: 10,
    };
    const contexts = await Promise.all([
      run(action, input),
      run(action, input),
    ]);
    for (const ctx of contexts)
      expect(ctx.output).toHaveBeenCalledWith(
        'entityRef',
        'component:default/billing-api',
      );
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(2);
    expect(looks).toBeLessThanOrEqual(3);

    // An entity the shared look sees but the initiator may not read is reported as not there.
    catalog.getEntityByRef = jest.fn(async () => undefined) as any;
    const hidden = createMockActionContext({
      input: { ...input, waitForEntitySeconds: 1 } as any,
    });
    const warn = jest.spyOn(hidden.logger, 'warn');
    const info = jest.spyOn(hidden.logger, 'info');
    await action.handler(hidden as any);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^component:default\/billing-api is not in the catalog/,
      ),
    );
    expect(info).not.toHaveBeenCalledWith(
      'component:default/billing-api is in the catalog',
    );

    // A cancelled task stops waiting at once.
    catalog.getEntitiesByRefs = jest.fn(async () => ({
      items: [undefined],
    })) as any;
    const controller = new AbortController();
    const ctx = createMockActionContext({ input: input as any });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expect(
      action.handler({ ...ctx, signal: controller.signal } as any),
    ).rejects.toThrow(
      /cancelled while waiting for component:default\/billing-api/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ends with a warning, not a failure, when the entity does not appear in time', async () => {
    const { catalog, action } = setup();
    catalog.getEntityByRef = jest.fn().mockResolvedValue(undefined) as any;
    const ctx = createMockActionContext({
      input: {
        catalogInfoUrl:
          'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
        waitForEntitySeconds: 1,
      } as any,
    });
    const warn = jest.spyOn(ctx.logger, 'warn');
    await action.handler(ctx as any);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^component:default\/billing-api is not in the catalog after 1 s/,
      ),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/billing-api',
    );
  });

  it('registers a file:// URL inside the publishing directory as a url location', async () => {
    const { catalog, action } = setup();
    const url = `file://${dir.resolve('repos/billing-api/catalog-info.yaml')}`;
    await run(action, { catalogInfoUrl: url });
    expect(catalog.addLocation).toHaveBeenLastCalledWith(
      { type: 'url', target: url },
      expect.anything(),
    );
  });

  it('refuses file locations outside the publishing directory and unknown schemes', async () => {
    const { catalog, action } = setup();
    await expect(
      run(action, { catalogInfoUrl: 'file:///etc/passwd' }),
    ).rejects.toThrow(
      /catalogInfoUrl: file locations must be inside the local publishing directory/,
    );
    await expect(
      run(action, { catalogInfoUrl: 'ftp://x/catalog-info.yaml' }),
    ).rejects.toThrow(
      /catalogInfoUrl: 'ftp:\/\/x\/catalog-info.yaml' must be an http\(s\):\/\/ or file:\/\/ URL/,
    );
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('refuses an http(s) location on a host with no SCM integration, naming it, and a file:// one where local publishing is off', async () => {
    const { catalog, action } = setup();
    await expect(
      run(action, {
        catalogInfoUrl: 'https://git.unknown.example/acme/catalog-info.yaml',
      }),
    ).rejects.toThrow(
      "catalogInfoUrl: 'https://git.unknown.example/acme/catalog-info.yaml' is on git.unknown.example, which has no SCM integration on this backend (integrations in app-config)",
    );
    const production = createCatalogRegisterAction({
      catalog,
      config: new ConfigReader({
        integrations: {
          gitlab: [
            {
              host: 'git.acme.internal',
              apiBaseUrl: 'https://git.acme.internal/api/v4',
            },
          ],
        },
        microservices: { localPublishing: { enabled: false } },
      }),
    });
    await expect(
      run(production, {
        catalogInfoUrl: `file://${dir.resolve(
          'repos/billing-api/catalog-info.yaml',
        )}`,
      }),
    ).rejects.toThrow(
      'catalogInfoUrl: local repositories are off on this backend (microservices.localPublishing.enabled is not true); use a repository on a configured SCM integration',
    );
    // A configured self-hosted host is accepted.
    await run(production, {
      catalogInfoUrl:
        'https://git.acme.internal/acme/billing-api/-/blob/main/catalog-info.yaml',
    });
    expect(catalog.addLocation).toHaveBeenCalledTimes(2); // the dry-run validation, then the location
    expect(catalog.addLocation).toHaveBeenLastCalledWith(
      {
        type: 'url',
        target:
          'https://git.acme.internal/acme/billing-api/-/blob/main/catalog-info.yaml',
      },
      expect.anything(),
    );
  });

  it('does not add a location that already exists', async () => {
    const { catalog, action } = setup([component], true);
    await run(action, {
      catalogInfoUrl:
        'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
    });
    expect(catalog.addLocation).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['NotAllowedError', new NotAllowedError('not allowed to register')],
    ['ConflictError', new ConflictError('location already exists')],
    ['ForwardedError', new Error('socket hang up')],
  ])(
    'keeps what kind of refusal it was (%s) and the cause',
    async (name, cause) => {
      const catalog = catalogServiceMock.mock({
        addLocation: jest.fn(async () => {
          throw cause;
        }),
      });
      const action = createCatalogRegisterAction({ catalog, config: config() });
      const error = await run(action, {
        catalogInfoUrl: 'https://github.com/acme/billing-api/blob/main/c.yaml',
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toMatchObject({
        // ForwardedError takes its cause's name; the kinds the scaffolder maps to 403 and 409 stay themselves.
        name: name === 'ForwardedError' ? 'Error' : name,
        cause,
      });
      expect(error?.message).toMatch(
        /^The catalog refused url location https:\/\/github\.com\/acme\/billing-api\/blob\/main\/c\.yaml: /,
      );
    },
  );

  it('stops waiting for the entity when the task is cancelled', async () => {
    const { catalog, action } = setup();
    catalog.getEntityByRef = jest.fn(async () => undefined) as any;
    const controller = new AbortController();
    const ctx = {
      ...createMockActionContext({
        input: {
          catalogInfoUrl:
            'https://github.com/acme/billing-api/blob/main/catalog-info.yaml',
          waitForEntitySeconds: 60,
          // Even an optional registration does not swallow the cancellation.
          optional: true,
        } as any,
      }),
      signal: controller.signal,
    };
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(action.handler(ctx as any)).rejects.toThrow(
      'The task was cancelled while waiting for component:default/billing-api to appear in the catalog; the location is registered',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails with a clear message when the catalog refuses, and adds nothing', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async () => {
        throw new Error('Policy check failed: Malformed envelope');
      }),
    });
    const action = createCatalogRegisterAction({ catalog, config: config() });
    await expect(
      run(action, {
        catalogInfoUrl: 'https://github.com/acme/billing-api/blob/main/c.yaml',
      }),
    ).rejects.toThrow(
      'The catalog refused url location https://github.com/acme/billing-api/blob/main/c.yaml: Policy check failed: Malformed envelope',
    );
    expect(catalog.addLocation).toHaveBeenCalledTimes(1);
    const ctx = await run(action, {
      catalogInfoUrl: 'https://github.com/acme/billing-api/blob/main/c.yaml',
      optional: true,
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoUrl',
      'https://github.com/acme/billing-api/blob/main/c.yaml',
    );
    expect(ctx.output).not.toHaveBeenCalledWith('entityRef', expect.anything());
  });

  describe('dry run', () => {
    const dryRun = async (action: any, input: object) => {
      // createMockActionContext does not keep isDryRun, so it is laid over its result.
      const ctx = {
        ...createMockActionContext({
          input: input as any,
          logger: mockServices.logger.mock(),
        }),
        isDryRun: true,
      };
      await action.handler(ctx);
      return ctx;
    };

    it('reports what it would register and never calls the catalog', async () => {
      const { catalog, action } = setup();
      const url =
        'https://github.com/acme/billing-api/blob/main/catalog-info.yaml';
      const ctx = await dryRun(action, { catalogInfoUrl: url });
      expect(catalog.addLocation).not.toHaveBeenCalled();
      expect(ctx.output).toHaveBeenCalledWith('catalogInfoUrl', url);
      expect(ctx.output).not.toHaveBeenCalledWith(
        'entityRef',
        expect.anything(),
      );
      expect(ctx.logger.info).toHaveBeenCalledWith(
        `Dry run: would register url location ${url} in the catalog; the catalog was not called`,
      );
    });

    it('accepts a file in the publishing directory that a dry-run publish did not create', async () => {
      const { catalog, action } = setup();
      const url = `file://${dir.resolve('repos/new-svc/catalog-info.yaml')}`;
      await dryRun(action, { catalogInfoUrl: url });
      expect(catalog.addLocation).not.toHaveBeenCalled();
      await expect(run(action, { catalogInfoUrl: url })).rejects.toThrow(
        /^catalogInfoUrl: .* does not exist/,
      );
    });

    it('refuses what a real run refuses', async () => {
      const { action } = setup();
      await expect(
        dryRun(action, { catalogInfoUrl: 'file:///etc/passwd' }),
      ).rejects.toThrow(/^catalogInfoUrl: file locations must be inside/);
      await expect(
        dryRun(action, { catalogInfoUrl: 'ftp://example.com/x.yaml' }),
      ).rejects.toThrow(
        /^catalogInfoUrl: .* must be an http\(s\):\/\/ or file:\/\/ URL/,
      );
    });

    it("warns about a location from a step the dry run skipped (the scaffolder's '<example>' output)", async () => {
      const { catalog, action } = setup();
      const ctx = await dryRun(action, {
        catalogInfoUrl: '<example>/catalog-info.yaml',
      });
      expect(catalog.addLocation).not.toHaveBeenCalled();
      expect(ctx.logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(/did not run in this dry run/),
      );
      // A real run does not accept it.
      await expect(
        run(action, { catalogInfoUrl: '<example>/catalog-info.yaml' }),
      ).rejects.toThrow(/^catalogInfoUrl: /);
    });
  });
});
