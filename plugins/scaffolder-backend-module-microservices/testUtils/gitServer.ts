import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** One request to the server's REST API, as the test's API handler saw it. */
export interface ApiRequest {
  method: string;
  path: string;
  /** The query string's parameters. */
  query: Record<string, string>;
  body: any;
  /** The token the request presented (already known to the server). */
  token: string;
  /** How it was presented: `Authorization: token …`, `Authorization: Bearer …` or GitLab's `PRIVATE-TOKEN`. */
  scheme: 'token' | 'bearer' | 'private-token' | 'none';
}

/** What the test's API handler answers; undefined for a route it does not serve (404). */
export type ApiHandler = (
  request: ApiRequest,
  server: GitServer,
) => { status: number; body: unknown; contentType?: string } | undefined;

export interface GitServer {
  /** `http://127.0.0.1:<port>`: git repositories at `/<owner>/<name>.git`, the REST API under `/api/`. */
  baseUrl: string;
  /** `127.0.0.1:<port>`, the host an SCM integration names. */
  host: string;
  /** The folder holding the bare repositories. */
  root: string;
  /** Every API request, in order, answered or not. */
  apiRequests: ApiRequest[];
  /** Creates an empty bare repository `<owner>/<name>.git` whose default branch is `branch`. */
  createRepository(owner: string, name: string, branch?: string): string;
  /** Runs git in a bare repository of this server and returns its output. */
  git(repository: string, ...args: string[]): string;
  /** Makes the repository refuse every push with `message`, as a protected branch or a push rule does. */
  refusePushes(repository: string, message: string): void;
  /** Whether the repository has the ref. */
  hasRef(repository: string, ref: string): boolean;
  stop(): Promise<void>;
}

/** The CGI response of `git http-backend`: headers, a blank line, the body. */
function relayCgi(
  child: ReturnType<typeof spawn>,
  res: http.ServerResponse,
): void {
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  child.stdout!.on('end', () => res.end());
}

/**
 * A git server for tests: Debian's `git http-backend` (smart HTTP, push included) behind a small HTTP server that
 * demands Basic authentication with the given token as the password, as GitHub and GitLab accept a token, plus
 * a REST API under `/api/` that the test describes (`api`) and that demands the token too.
 */
export async function startGitServer(options: {
  /** A token that may read and push. */
  token: string;
  /** More tokens: `read` may fetch but not push; `write` may do both. The API handler sees which one came. */
  tokens?: Record<string, 'read' | 'write'>;
  api?: ApiHandler;
}): Promise<GitServer> {
  const tokens: Record<string, 'read' | 'write'> = {
    ...options.tokens,
    [options.token]: 'write',
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'git-server-'));
  const apiRequests: ApiRequest[] = [];
  // The API handler gets the server it runs on, complete only once it listens.
  const self: { server?: GitServer } = {};

  const handleApi = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
    search: URLSearchParams,
  ) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const authorization = req.headers.authorization ?? '';
    const header = /^(token|Bearer) (.+)$/.exec(authorization);
    const privateToken = req.headers['private-token'];
    const presented = header?.[2] ?? String(privateToken ?? '');
    let scheme: ApiRequest['scheme'] = 'none';
    if (header) scheme = header[1] === 'token' ? 'token' : 'bearer';
    else if (privateToken) scheme = 'private-token';
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: pathname,
      query: Object.fromEntries(search),
      body: text ? JSON.parse(text) : undefined,
      token: presented,
      scheme,
    };
    apiRequests.push(request);
    const answer = tokens[presented]
      ? options.api?.(request, self.server!) ?? {
          status: 404,
          body: { message: 'Not Found' },
        }
      : { status: 401, body: { message: 'Bad credentials' } };
    // A content type given with a string body sends it as it is (a raw file); anything else is JSON.
    const raw = 'contentType' in answer && answer.contentType !== undefined;
    res.writeHead(answer.status, {
      'content-type': raw ? answer.contentType : 'application/json',
    });
    res.end(raw ? String(answer.body) : JSON.stringify(answer.body));
  };

  const handleGit = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [user, password] =
      scheme === 'Basic'
        ? Buffer.from(encoded ?? '', 'base64')
            .toString('utf8')
            .split(':')
        : [];
    const access = password ? tokens[password] : undefined;
    if (!access) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const pushing =
      url.searchParams.get('service') === 'git-receive-pack' ||
      url.pathname.endsWith('/git-receive-pack');
    if (pushing && access !== 'write') {
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Write access to the repository is not granted.\n');
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        // Named, so the backend allows pushes (receive-pack).
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(child.stdin!);
    relayCgi(child, res);
  };

  const http_ = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      handleApi(req, res, url.pathname, url.searchParams).catch(error => {
        res.writeHead(500);
        res.end(String(error));
      });
    } else {
      handleGit(req, res, url);
    }
  });
  await new Promise<void>(resolve => http_.listen(0, '127.0.0.1', resolve));
  const { port } = http_.address() as { port: number };

  const git = (repository: string, ...args: string[]) =>
    execFileSync('git', ['-C', path.join(root, repository), ...args], {
      encoding: 'utf8',
    });
  const server: GitServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    root,
    apiRequests,
    createRepository(owner, name, branch = 'main') {
      const repository = path.join(owner, `${name}.git`);
      fs.mkdirSync(path.join(root, owner), { recursive: true });
      execFileSync('git', [
        'init',
        '--quiet',
        '--bare',
        `--initial-branch=${branch}`,
        path.join(root, repository),
      ]);
      return repository;
    },
    git,
    refusePushes(repository, message) {
      const hook = path.join(root, repository, 'hooks', 'pre-receive');
      fs.writeFileSync(
        hook,
        `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`,
        { mode: 0o755 },
      );
    },
    hasRef(repository, ref) {
      // Quietly: a repository that does not exist is an answer here, not an error to print.
      const found = spawnSync(
        'git',
        [
          '-C',
          path.join(root, repository),
          'rev-parse',
          '--verify',
          '--quiet',
          ref,
        ],
        { stdio: 'ignore' },
      );
      return found.status === 0;
    },
    async stop() {
      await new Promise<void>(resolve => http_.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  self.server = server;
  return server;
}
