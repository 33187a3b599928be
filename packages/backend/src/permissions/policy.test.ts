import type { Entity } from '@backstage/catalog-model';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  isPermission,
  type Permission,
  type PermissionCondition,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  actionExecutePermission,
  taskCancelPermission,
  taskCreatePermission,
  taskReadPermission,
  templateDryRunPermission,
  templateManagementPermission,
  templateParameterReadPermission,
  templateStepReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { firstDeniedStep } from './actionDecision';
import { MicroservicesPermissionPolicy } from './policy';
import { PLATFORM, testPolicy, user } from './testPolicy';

const ROOT = path.join(__dirname, '../../../..');
const template = (name: string): Entity =>
  parse(
    fs.readFileSync(path.join(ROOT, `templates/${name}/template.yaml`), 'utf8'),
  );
const TEMPLATES = {
  microservice: template('microservice'),
  update: template('update'),
};
const ORG = parseAllDocuments(
  fs.readFileSync(path.join(ROOT, 'catalog/org.yaml'), 'utf8'),
).map(d => d.toJS() as Entity);

const policy = testPolicy;
const PLATFORM_USER = user('user:default/pat');
const ownRef = (who: PolicyQueryUser) =>
  (who.credentials.principal as { userEntityRef: string }).userEntityRef;
const OTHER_USER = user('user:default/oli');

/**
 * A conditional decision applied to one resource. Catalog conditions go through the catalog's own rules; the
 * scaffolder does not export its rules, so its template and task rules (documented in its permissions guide) are
 * applied here the way it applies them: a step's or parameter's `backstage:permissions.tags`, a task's creator.
 * Action conditions go through actionDecision.ts, which the guard uses.
 */
function applies(
  criteria: PermissionCriteria<PermissionCondition>,
  resource: any,
): boolean {
  if ('allOf' in criteria)
    return criteria.allOf.every(c => applies(c, resource));
  if ('anyOf' in criteria)
    return criteria.anyOf.some(c => applies(c, resource));
  if ('not' in criteria) return !applies(criteria.not, resource);
  const { rule, params = {} } = criteria as PermissionCondition & {
    params: any;
  };
  const catalogRule = Object.values(permissionRules).find(r => r.name === rule);
  if (catalogRule) return catalogRule.apply(resource, params as any);
  switch (rule) {
    case 'HAS_TAG':
      return (resource['backstage:permissions']?.tags ?? []).includes(
        params.tag,
      );
    case 'IS_TASK_OWNER':
      return params.createdBy.includes(resource.createdBy);
    default:
      throw new Error(`no rule ${rule} in this test`);
  }
}

async function allowed(
  who: PolicyQueryUser,
  permission: Permission,
  resource?: unknown,
): Promise<boolean> {
  const decision: PolicyDecision = await policy.handle({ permission }, who);
  if (decision.result === AuthorizeResult.CONDITIONAL) {
    if (resource === undefined)
      throw new Error(`${permission.name} is conditional: give a resource`);
    // Actions: the evaluation templateRunGuard.ts applies (actionDecision.ts), on input known in full.
    if (isPermission(permission, actionExecutePermission)) {
      const step = { ...(resource as any), id: 'probe', unconditional: true };
      return firstDeniedStep(decision, [step]) === undefined;
    }
    return applies(decision.conditions, resource);
  }
  return decision.result === AuthorizeResult.ALLOW;
}

/** Everything a template lets a user see and do: the entity, every parameter section and every step. */
async function mayRunTemplate(who: PolicyQueryUser, entity: Entity) {
  const spec = entity.spec as { parameters: unknown[]; steps: unknown[] };
  const checks = [
    await allowed(who, catalogEntityReadPermission, entity),
    ...(await Promise.all(
      spec.parameters.map(p =>
        allowed(who, templateParameterReadPermission, p),
      ),
    )),
    ...(await Promise.all(
      spec.steps.map(s => allowed(who, templateStepReadPermission, s)),
    )),
  ];
  // All or nothing: a template partly allowed would show a form that cannot run.
  expect(new Set(checks).size).toBe(1);
  return checks[0];
}

const action = (id: string, input: Record<string, unknown> = {}) => ({
  action: id,
  input,
});
const entity = (kind: string, name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name },
  spec: {},
});
const catalogEntities: Entity[] = [
  ...ORG,
  entity('Component', 'billing-api'),
  entity('API', 'billing-api'),
  entity('Resource', 'billing-api-db'),
  entity('User', 'oli'),
];
/** A registered service's Component, owned by a team as the catalog's relations say. */
const ownedBy = (name: string, team: string): Entity => ({
  ...entity('Component', name),
  spec: { owner: team },
  relations: [{ type: 'ownedBy', targetRef: team }],
});
const teamOf = (who: PolicyQueryUser) =>
  ownRef(who) === 'user:default/pat' ? PLATFORM : 'group:default/team-b';
const allOf = async (checks: Promise<boolean>[]) =>
  (await Promise.all(checks)).every(Boolean);

/** What each row of the matrix in docs/production.md means, as requests to the policy. */
const PROBES: Record<string, (who: PolicyQueryUser) => Promise<boolean>> = {
  'See and run the microservice template': who =>
    mayRunTemplate(who, TEMPLATES.microservice),
  'See and run the update template (tagged `platform`)': who =>
    mayRunTemplate(who, TEMPLATES.update),
  'Read Components, APIs, Resources, Users and Groups': who =>
    allOf(
      catalogEntities.map(e => allowed(who, catalogEntityReadPermission, e)),
    ),
  'Create tasks': who => allowed(who, taskCreatePermission),
  'Read and cancel their own tasks': who => {
    const own = { createdBy: ownRef(who) };
    return allOf([
      allowed(who, taskReadPermission, own),
      allowed(who, taskCancelPermission, own),
    ]);
  },
  "Read and cancel other people's tasks": who => {
    const others = { createdBy: 'user:default/someone-else' };
    return allOf([
      allowed(who, taskReadPermission, others),
      allowed(who, taskCancelPermission, others),
    ]);
  },
  'Dry-run templates in the template editor': who =>
    allowed(who, templateDryRunPermission),
  'Execute `microservice:service:render`, `deploy:render`, `catalog:register`, `publish:github`':
    who =>
      allOf(
        [
          'microservice:service:render',
          'microservice:deploy:render',
          'microservice:catalog:register',
          'publish:github',
        ].map(id => allowed(who, actionExecutePermission, action(id))),
      ),
  'Execute `microservice:service:update` on GitHub or GitLab': who =>
    allowed(
      who,
      actionExecutePermission,
      action('microservice:service:update', {
        repoUrl: 'github.com?owner=acme&repo=billing-api',
      }),
    ),
  'Execute `microservice:service:update` on a local repository': who =>
    allowed(
      who,
      actionExecutePermission,
      action('microservice:service:update', { repository: 'billing-api' }),
    ),
  'Execute `microservice:publish:local`': who =>
    allowed(
      who,
      actionExecutePermission,
      action('microservice:publish:local', { repoName: 'x' }),
    ),
  'Register a repository (what `microservice:catalog:register` does for them)':
    who => allowed(who, catalogLocationCreatePermission),
  "Delete their team's catalog entities": who =>
    allowed(
      who,
      catalogEntityDeletePermission,
      ownedBy('their-service', teamOf(who)),
    ),
  "Delete other teams' catalog entities": who =>
    allowed(
      who,
      catalogEntityDeletePermission,
      ownedBy('someone-elses-service', 'group:default/team-c'),
    ),
  'Unregister catalog locations': who =>
    allowed(who, catalogLocationDeletePermission),
  'Manage templates in the template editor': who =>
    allowed(who, templateManagementPermission),
};

function matrix(): Array<{
  capability: string;
  platform: string;
  other: string;
}> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/production.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Permission matrix'));
  return section
    .split('\n')
    .filter(l => /^\| [^-]/.test(l) && !l.startsWith('| Capability'))
    .map(l =>
      l
        .split('|')
        .slice(1, -1)
        .map(c => c.trim()),
    )
    .map(([capability, , platform, other]) => ({
      capability,
      platform,
      other,
    }));
}

describe('MicroservicesPermissionPolicy', () => {
  it('decides what the permission matrix in docs/production.md says, cell by cell', async () => {
    const rows = matrix();
    expect(rows.map(r => r.capability).sort()).toEqual(
      Object.keys(PROBES).sort(),
    );
    const word = (b: boolean) => (b ? 'allowed' : 'denied');
    const observed = await Promise.all(
      rows.map(async r => ({
        capability: r.capability,
        platform: word(await PROBES[r.capability](PLATFORM_USER)),
        other: word(await PROBES[r.capability](OTHER_USER)),
      })),
    );
    expect(observed).toEqual(rows);
  });

  it('denies a request without a user (anonymous; service principals never reach the policy)', async () => {
    for (const permission of [
      actionExecutePermission,
      catalogEntityReadPermission,
      templateManagementPermission,
    ])
      expect(await policy.handle({ permission })).toEqual({
        result: AuthorizeResult.DENY,
      });
  });

  it('treats nobody as the platform team when none is configured', async () => {
    const unconfigured = new MicroservicesPermissionPolicy({
      userInfo: async () => ({
        userEntityRef: 'user:default/pat',
        ownershipEntityRefs: [PLATFORM],
      }),
    });
    expect(
      (
        await unconfigured.handle(
          { permission: templateManagementPermission },
          PLATFORM_USER,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });
});
