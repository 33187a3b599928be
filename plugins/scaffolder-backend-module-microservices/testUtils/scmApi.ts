import Ajv, { type ValidateFunction } from 'ajv';
import fs from 'node:fs';
import type { ApiHandler, ApiRequest, GitServer } from './gitServer';

/**
 * Fakes of the GitHub and GitLab REST endpoints the microservice template's publish steps and updates call, for
 * the git server of `startGitServer`: repositories they create are real bare repositories on it, pull/merge
 * requests are recorded. Every request is first checked against the provider's published description — GitHub's
 * OpenAPI document from `@octokit/openapi`, GitLab's documented endpoints below — and a request that does not
 * conform is answered 422 and recorded in `violations`, which a test expects empty.
 */
export interface FakeScm {
  api: ApiHandler;
  violations: string[];
  /**
   * GitHub: body fields its description does not list for the operation. GitHub ignores them, so they are not
   * violations, but a test names the ones it expects (a misspelt field would otherwise pass unseen).
   */
  undocumented: string[];
  pullRequests: ProposalRecord[];
}

export interface ProposalRecord {
  /** Open when made; a test sets what the provider would after a merge or a close. */
  state: 'open' | 'merged' | 'closed';
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  repository: string;
  token: string;
}

/** Tokens the fakes treat specially: read-only on the repositories, or allowed to push but not to propose. */
export interface FakeScmOptions {
  readOnlyTokens?: string[];
  noProposalTokens?: string[];
  /**
   * GitHub App installation tokens: GitHub reports `permissions.push: false` for them (the field describes a
   * user), although they may push.
   */
  appTokens?: string[];
  /** The origin clone URLs name; default the git server's. A test may change it to play a misconfigured host. */
  cloneOrigin?: string;
}

type Answer = ReturnType<ApiHandler>;

/**
 * The `integrations` config a backend needs to reach the git server as GitHub (API under `/api/v3`) or GitLab
 * (`/api/v4`, with its base URL) with `token`.
 */
export function scmIntegrationsConfig(
  provider: 'github' | 'gitlab',
  server: Pick<GitServer, 'host' | 'baseUrl'>,
  token: string,
) {
  return {
    [provider]: [
      {
        host: server.host,
        apiBaseUrl: `${server.baseUrl}/api/${
          provider === 'github' ? 'v3' : 'v4'
        }`,
        ...(provider === 'gitlab' ? { baseUrl: server.baseUrl } : {}),
        token,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// GitHub: the operations of api.github.com's OpenAPI description.

interface GithubOperation {
  template: string;
  pattern: RegExp;
  literalSegments: number;
  parameters: Array<{ name: string; in: string; required?: boolean }>;
  bodySchema?: Record<string, unknown>;
  bodyRequired: boolean;
}

let githubDocument:
  | {
      operations: Map<string, GithubOperation[]>;
      components: Record<string, any>;
    }
  | undefined;

function githubOperations() {
  if (githubDocument) return githubDocument;
  const file = require.resolve(
    '@octokit/openapi/generated/api.github.com.json',
  );
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const resolve = (node: any): any =>
    node?.$ref
      ? resolve(
          node.$ref
            .replace(/^#\//, '')
            .split('/')
            .reduce((at: any, key: string) => at[key], doc),
        )
      : node;
  const operations = new Map<string, GithubOperation[]>();
  for (const [template, item] of Object.entries<any>(doc.paths)) {
    const segments = template.split('/').filter(Boolean);
    const pattern = new RegExp(
      `^${segments
        .map(s => {
          // `{path}` (a file in a repository) spans segments; other parameters are one segment.
          if (s === '{path}') return '/.+';
          if (/^\{.+\}$/.test(s)) return '/[^/]+';
          return `/${s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}`;
        })
        .join('')}$`,
    );
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const body = resolve(op.requestBody);
      const list = operations.get(method.toUpperCase()) ?? [];
      list.push({
        template,
        pattern,
        literalSegments: segments.filter(s => !s.startsWith('{')).length,
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])].map(
          resolve,
        ),
        bodySchema: body?.content?.['application/json']?.schema,
        bodyRequired: Boolean(body?.required),
      });
      operations.set(method.toUpperCase(), list);
    }
  }
  githubDocument = { operations, components: doc.components };
  return githubDocument;
}

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const bodyValidators = new Map<string, ValidateFunction>();

/**
 * The request's violations of GitHub's OpenAPI description (empty when it conforms), and the body fields the
 * description does not list for the operation.
 */
export function githubViolations(request: ApiRequest): {
  problems: string[];
  undocumented: string[];
} {
  const { operations, components } = githubOperations();
  const route = request.path.replace(/^\/api\/v3/, '');
  const candidates = (operations.get(request.method) ?? [])
    .filter(op => op.pattern.test(route))
    .sort((a, b) => b.literalSegments - a.literalSegments);
  const op = candidates[0];
  const name = `${request.method} ${route}`;
  const undocumented: string[] = [];
  if (!op)
    return {
      problems: [`${name}: no such operation in GitHub's REST API`],
      undocumented,
    };
  const problems: string[] = [];
  const query = op.parameters.filter(p => p.in === 'query');
  for (const key of Object.keys(request.query)) {
    if (!query.some(p => p.name === key))
      problems.push(`${name}: query parameter '${key}' is not documented`);
  }
  for (const p of query) {
    if (p.required && !(p.name in request.query))
      problems.push(`${name}: query parameter '${p.name}' is required`);
  }
  if (!op.bodySchema) {
    if (request.body !== undefined && Object.keys(request.body).length > 0)
      problems.push(`${name}: takes no request body`);
    return { problems, undocumented };
  }
  if (request.body === undefined) {
    if (op.bodyRequired) problems.push(`${name}: a request body is required`);
    return { problems, undocumented };
  }
  const key = `${request.method} ${op.template}`;
  let validate = bodyValidators.get(key);
  if (!validate) {
    validate = ajv.compile({ ...op.bodySchema, components });
    bodyValidators.set(key, validate);
  }
  if (!validate(request.body)) {
    for (const e of validate.errors ?? [])
      problems.push(`${name}: body${e.instancePath} ${e.message}`);
  }
  const documented = (op.bodySchema as { properties?: object }).properties;
  if (documented && request.body && typeof request.body === 'object') {
    for (const field of Object.keys(request.body)) {
      if (!(field in documented))
        undocumented.push(`${name}: body field '${field}'`);
    }
  }
  return { problems, undocumented };
}

/** The GitHub endpoints `publish:github` (organisation repositories) and an update call. */
export function fakeGithub(options: FakeScmOptions = {}): FakeScm {
  const violations: string[] = [];
  const pullRequests: ProposalRecord[] = [];
  const repoJson = (
    git: GitServer,
    owner: string,
    name: string,
    token: string,
  ) => ({
    id: 1,
    name,
    full_name: `${owner}/${name}`,
    private: true,
    default_branch: 'main',
    clone_url: `${options.cloneOrigin ?? git.baseUrl}/${owner}/${name}.git`,
    html_url: `${git.baseUrl}/${owner}/${name}`,
    permissions: {
      admin: false,
      maintain: false,
      push: !(
        options.readOnlyTokens?.includes(token) ||
        options.appTokens?.includes(token)
      ),
      triage: true,
      pull: true,
    },
  });
  const route = (request: ApiRequest, git: GitServer): Answer => {
    const { method, body, token } = request;
    const path = request.path.replace(/^\/api\/v3/, '');
    let m = /^\/users\/([^/]+)$/.exec(path);
    if (method === 'GET' && m)
      return { status: 200, body: { login: m[1], type: 'Organization' } };
    m = /^\/orgs\/([^/]+)\/repos$/.exec(path);
    if (method === 'POST' && m) {
      git.createRepository(m[1], body.name);
      return { status: 201, body: repoJson(git, m[1], body.name, token) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)\/protection$/.exec(path);
    if (method === 'PUT' && m) return { status: 200, body: {} };
    m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      if (!git.hasRef(`${m[1]}/${m[2]}.git`, 'HEAD'))
        return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: repoJson(git, m[1], m[2], token) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(path);
    if (method === 'GET' && m) {
      // What the catalog's GitHub URL reader asks for (Accept: application/vnd.github.v3.raw): the raw file.
      try {
        return {
          status: 200,
          body: git.git(
            `${m[1]}/${m[2]}.git`,
            'show',
            `${request.query.ref ?? 'HEAD'}:${decodeURIComponent(m[3])}`,
          ),
          contentType: 'application/vnd.github.v3.raw',
        };
      } catch {
        return { status: 404, body: { message: 'Not Found' } };
      }
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (method === 'GET' && m) {
      // https://docs.github.com/rest/pulls/pulls#list-pull-requests (state=all, newest first)
      const repository = `${m[1]}/${m[2]}.git`;
      const listed = pullRequests
        .filter(pr => pr.repository === repository)
        .filter(
          pr =>
            request.query.state === 'all' ||
            (request.query.state ?? 'open') ===
              (pr.state === 'open' ? 'open' : 'closed'),
        )
        .reverse();
      return {
        status: 200,
        body: listed.map(pr => ({
          number: pr.number,
          state: pr.state === 'open' ? 'open' : 'closed',
          merged_at: pr.state === 'merged' ? '2026-12-04T12:00:00Z' : null,
          title: pr.title,
          html_url: `${git.baseUrl}/${m![1]}/${m![2]}/pull/${pr.number}`,
          head: { ref: pr.head, repo: { full_name: `${m![1]}/${m![2]}` } },
          base: { ref: pr.base },
        })),
      };
    }
    if (method === 'POST' && m) {
      const repository = `${m[1]}/${m[2]}.git`;
      if (options.noProposalTokens?.includes(token))
        return {
          status: 403,
          body: { message: 'Resource not accessible by integration' },
        };
      if (!git.hasRef(repository, `refs/heads/${body.head}`))
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [
              { resource: 'PullRequest', field: 'head', code: 'invalid' },
            ],
          },
        };
      const number = pullRequests.length + 1;
      pullRequests.push({
        state: 'open',
        number,
        head: body.head,
        base: body.base,
        title: body.title,
        body: body.body,
        repository,
        token,
      });
      return {
        status: 201,
        body: {
          number,
          state: 'open',
          title: body.title,
          html_url: `${git.baseUrl}/${m[1]}/${m[2]}/pull/${number}`,
          head: { ref: body.head },
          base: { ref: body.base },
        },
      };
    }
    return undefined;
  };
  const undocumented: string[] = [];
  return {
    violations,
    undocumented,
    pullRequests,
    api: (request, git) => {
      const checked = githubViolations(request);
      undocumented.push(...checked.undocumented);
      const problems = checked.problems;
      if (problems.length > 0) {
        violations.push(...problems);
        return { status: 422, body: { message: problems.join('; ') } };
      }
      return route(request, git);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// GitLab: the endpoints as GitLab's REST API documentation describes them (docs.gitlab.com/api), with the
// attributes each takes. `:id` is a number or a URL-encoded path.

interface GitlabEndpoint {
  method: string;
  pattern: RegExp;
  name: string;
  required: string[];
  optional: string[];
}

const PAGINATION = ['page', 'per_page', 'pagination', 'order_by', 'sort'];
const GITLAB_ENDPOINTS: GitlabEndpoint[] = [
  {
    // https://docs.gitlab.com/api/namespaces/#get-details-on-a-namespace
    method: 'GET',
    pattern: /^\/namespaces\/[^/]+$/,
    name: 'GET /namespaces/:id',
    required: [],
    optional: [],
  },
  {
    // https://docs.gitlab.com/api/users/#get-the-current-user
    method: 'GET',
    pattern: /^\/user$/,
    name: 'GET /user',
    required: [],
    optional: [],
  },
  {
    // https://docs.gitlab.com/api/groups/#list-projects
    method: 'GET',
    pattern: /^\/groups\/[^/]+\/projects$/,
    name: 'GET /groups/:id/projects',
    required: [],
    optional: [
      ...PAGINATION,
      'archived',
      'visibility',
      'search',
      'simple',
      'owned',
      'starred',
      'topic',
      'with_issues_enabled',
      'with_merge_requests_enabled',
      'with_shared',
      'include_subgroups',
      'min_access_level',
      'with_custom_attributes',
      'with_security_reports',
    ],
  },
  {
    // https://docs.gitlab.com/api/projects/#create-a-project
    method: 'POST',
    pattern: /^\/projects$/,
    name: 'POST /projects',
    required: [],
    optional: [
      'name',
      'path',
      'namespace_id',
      'visibility',
      'description',
      'default_branch',
      'topics',
      'initialize_with_readme',
      'issues_access_level',
      'merge_requests_access_level',
      'only_allow_merge_if_pipeline_succeeds',
      'only_allow_merge_if_all_discussions_are_resolved',
      'squash_option',
      'merge_method',
      'remove_source_branch_after_merge',
    ],
  },
  {
    // https://docs.gitlab.com/api/projects/#get-a-single-project
    method: 'GET',
    pattern: /^\/projects\/[^/]+$/,
    name: 'GET /projects/:id',
    required: [],
    optional: ['license', 'statistics', 'with_custom_attributes'],
  },
  {
    // https://docs.gitlab.com/api/repository_files/#get-raw-file-from-repository
    method: 'GET',
    pattern: /^\/projects\/[^/]+\/repository\/files\/[^/]+\/raw$/,
    name: 'GET /projects/:id/repository/files/:file_path/raw',
    required: [],
    optional: ['ref', 'lfs'],
  },
  {
    // https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests
    method: 'GET',
    pattern: /^\/projects\/[^/]+\/merge_requests$/,
    name: 'GET /projects/:id/merge_requests',
    required: [],
    optional: [
      'state',
      'order_by',
      'sort',
      'source_branch',
      'target_branch',
      'per_page',
      'page',
      'pagination',
      'view',
    ],
  },
  {
    // https://docs.gitlab.com/api/merge_requests/#create-mr
    method: 'POST',
    pattern: /^\/projects\/[^/]+\/merge_requests$/,
    name: 'POST /projects/:id/merge_requests',
    required: ['source_branch', 'target_branch', 'title'],
    optional: [
      'allow_collaboration',
      'approvals_before_merge',
      'allow_maintainer_to_push',
      'assignee_id',
      'assignee_ids',
      'description',
      'labels',
      'merge_after',
      'milestone_id',
      'remove_source_branch',
      'reviewer_ids',
      'squash',
      'target_project_id',
    ],
  },
];

/** The request's violations of GitLab's documented REST API (empty when it conforms). */
export function gitlabViolations(request: ApiRequest): string[] {
  const route = request.path.replace(/^\/api\/v4/, '');
  const endpoint = GITLAB_ENDPOINTS.find(
    e => e.method === request.method && e.pattern.test(route),
  );
  const name = `${request.method} ${route}`;
  if (!endpoint)
    return [`${name}: not one of the documented endpoints this fake serves`];
  const attributes: Record<string, unknown> = {
    ...request.query,
    ...(request.body ?? {}),
  };
  const problems: string[] = [];
  for (const key of endpoint.required) {
    if (attributes[key] === undefined || attributes[key] === '')
      problems.push(`${endpoint.name}: attribute '${key}' is required`);
  }
  for (const key of Object.keys(attributes)) {
    if (!endpoint.required.includes(key) && !endpoint.optional.includes(key))
      problems.push(`${endpoint.name}: attribute '${key}' is not documented`);
  }
  return problems;
}

/** The GitLab endpoints `publish:gitlab` (group projects) and an update call. */
export function fakeGitlab(options: FakeScmOptions = {}): FakeScm {
  const violations: string[] = [];
  const pullRequests: ProposalRecord[] = [];
  const projects = new Map<string, number>();
  const projectJson = (git: GitServer, fullPath: string, token: string) => ({
    id: projects.get(fullPath) ?? 0,
    path_with_namespace: fullPath,
    default_branch: 'main',
    http_url_to_repo: `${options.cloneOrigin ?? git.baseUrl}/${fullPath}.git`,
    web_url: `${git.baseUrl}/${fullPath}`,
    permissions: {
      project_access: {
        access_level: options.readOnlyTokens?.includes(token) ? 20 : 30,
      },
      group_access: null,
    },
  });
  const route = (request: ApiRequest, git: GitServer): Answer => {
    const { method, body, token } = request;
    const path = request.path.replace(/^\/api\/v4/, '');
    let m = /^\/namespaces\/([^/]+)$/.exec(path);
    if (method === 'GET' && m)
      return {
        status: 200,
        body: { id: 7, kind: 'group', path: m[1], full_path: m[1] },
      };
    if (method === 'GET' && path === '/user')
      return { status: 200, body: { id: 42, username: 'platform-bot' } };
    m = /^\/groups\/([^/]+)\/projects$/.exec(path);
    if (method === 'GET' && m) return { status: 200, body: [] };
    if (method === 'POST' && path === '/projects') {
      const fullPath = `acme/${body.path ?? body.name}`;
      git.createRepository('acme', body.path ?? body.name);
      projects.set(fullPath, projects.size + 100);
      return { status: 201, body: projectJson(git, fullPath, token) };
    }
    m = /^\/projects\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const fullPath = decodeURIComponent(m[1]);
      if (!git.hasRef(`${fullPath}.git`, 'HEAD'))
        return { status: 404, body: { message: '404 Project Not Found' } };
      return { status: 200, body: projectJson(git, fullPath, token) };
    }
    m = /^\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/.exec(path);
    if (method === 'GET' && m) {
      // What the catalog's GitLab URL reader asks for: the raw file.
      try {
        return {
          status: 200,
          body: git.git(
            `${decodeURIComponent(m[1])}.git`,
            'show',
            `${request.query.ref ?? 'HEAD'}:${decodeURIComponent(m[2])}`,
          ),
          contentType: 'text/plain',
        };
      } catch {
        return { status: 404, body: { message: '404 File Not Found' } };
      }
    }
    m = /^\/projects\/([^/]+)\/merge_requests$/.exec(path);
    if (method === 'GET' && m) {
      const fullPath = decodeURIComponent(m[1]);
      const repository = `${fullPath}.git`;
      const listed = pullRequests
        .filter(mr => mr.repository === repository)
        .reverse();
      return {
        status: 200,
        body: listed.map(mr => ({
          iid: mr.number,
          state: mr.state === 'open' ? 'opened' : mr.state,
          title: mr.title,
          source_branch: mr.head,
          target_branch: mr.base,
          web_url: `${git.baseUrl}/${fullPath}/-/merge_requests/${mr.number}`,
        })),
      };
    }
    if (method === 'POST' && m) {
      const fullPath = decodeURIComponent(m[1]);
      const repository = `${fullPath}.git`;
      if (options.noProposalTokens?.includes(token))
        return { status: 403, body: { message: '403 Forbidden' } };
      if (!git.hasRef(repository, `refs/heads/${body.source_branch}`))
        return {
          status: 422,
          body: { message: ['Source branch does not exist'] },
        };
      const number = pullRequests.length + 1;
      pullRequests.push({
        state: 'open',
        number,
        head: body.source_branch,
        base: body.target_branch,
        title: body.title,
        body: body.description,
        repository,
        token,
      });
      return {
        status: 201,
        body: {
          iid: number,
          state: 'opened',
          title: body.title,
          source_branch: body.source_branch,
          target_branch: body.target_branch,
          web_url: `${git.baseUrl}/${fullPath}/-/merge_requests/${number}`,
        },
      };
    }
    return undefined;
  };
  return {
    violations,
    undocumented: [],
    pullRequests,
    api: (request, git) => {
      const problems = gitlabViolations(request);
      if (problems.length > 0) {
        violations.push(...problems);
        return { status: 422, body: { message: problems.join('; ') } };
      }
      return route(request, git);
    },
  };
}
