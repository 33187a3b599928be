import { checkServiceName } from './serviceNameRules';

const catalogWith = (...refs: string[]) => ({
  getEntitiesByRefs: jest.fn(
    async ({ entityRefs }: { entityRefs: string[] }) => ({
      items: entityRefs.map(ref =>
        refs.includes(ref) ? ({} as any) : undefined,
      ),
    }),
  ),
});

describe('checkServiceName (the name field)', () => {
  it('accepts a free DNS-1123 name, asking the catalog for the three entities a service registers', async () => {
    const catalog = catalogWith();
    await expect(
      checkServiceName('billing-api', 'go', catalog),
    ).resolves.toBeUndefined();
    expect(catalog.getEntitiesByRefs).toHaveBeenCalledWith(
      expect.objectContaining({
        entityRefs: [
          'component:default/billing-api',
          'api:default/billing-api',
          'resource:default/billing-api-db',
        ],
      }),
    );
  });

  it('says which entity takes a name', async () => {
    await expect(
      checkServiceName(
        'billing-api',
        'rust',
        catalogWith('resource:default/billing-api-db'),
      ),
    ).resolves.toBe(
      "name: 'billing-api' is already taken in the catalog (resource:default/billing-api-db); choose another name",
    );
  });

  it("gives the actions' messages without asking the catalog", async () => {
    const catalog = catalogWith('component:default/self');
    await expect(checkServiceName('self', 'rust', catalog)).resolves.toMatch(
      /^name: 'self' is a Rust keyword or a name cargo reserves/,
    );
    await expect(
      checkServiceName('system', 'dotnet', catalog),
    ).resolves.toMatch(
      /^name: 'system' becomes the C# namespace 'System', which clashes with 'System'/,
    );
    await expect(checkServiceName('Bad', 'go', catalog)).resolves.toMatch(
      /^name: 'Bad' is not a DNS-1123 label/,
    );
    expect(catalog.getEntitiesByRefs).not.toHaveBeenCalled();
  });
});
