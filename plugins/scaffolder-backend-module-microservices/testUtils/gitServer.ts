import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** One request to the server's REST API, as the test's API handler saw it. */
export interface ApiRequest {
  method: string;
  path: string;
  body: any;
}

/** What the test's API handler answers; undefined for a route it does not serve (404). */
export type ApiHandler = (
  request: ApiRequest,
  server: GitServer,
) => { status: number; body: unknown } | undefined;

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
  token: string;
  api?: ApiHandler;
}): Promise<GitServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'git-server-'));
  const apiRequests: ApiRequest[] = [];
  // The API handler gets the server it runs on, complete only once it listens.
  const self: { server?: GitServer } = {};

  const handleApi = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
  ) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: pathname,
      body: text ? JSON.parse(text) : undefined,
    };
    apiRequests.push(request);
    const authorization = req.headers.authorization ?? '';
    const answer =
      authorization === `token ${options.token}` ||
      authorization === `Bearer ${options.token}` ||
      req.headers['private-token'] === options.token
        ? options.api?.(request, self.server!) ?? {
            status: 404,
            body: { message: 'Not Found' },
          }
        : { status: 401, body: { message: 'Bad credentials' } };
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
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
    if (password !== options.token) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
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
      handleApi(req, res, url.pathname).catch(error => {
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
    async stop() {
      await new Promise<void>(resolve => http_.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  self.server = server;
  return server;
}
