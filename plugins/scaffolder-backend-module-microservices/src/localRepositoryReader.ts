import {
  createServiceFactory,
  type UrlReaderService,
  type UrlReaderServiceReadUrlResponse,
  type UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { urlReaderFactoriesServiceRef } from '@backstage/backend-defaults/urlReader';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  localPublishingEnabled,
  localReposDirectory,
} from './actions/publishLocal';

/**
 * Reads `file://` URLs inside the local publishing directory, and nothing else. With it the embedded catalog
 * registers locally published repositories as ordinary `url` locations, so relative placeholders such as the
 * API's `$text: ./openapi.yaml` resolve exactly as they do for repositories on an SCM host — which the catalog's
 * `file` location type cannot do — and the catalog API never has to accept `file` locations.
 */
class LocalRepositoryReader implements UrlReaderService {
  constructor(private readonly root: string) {}

  static fromConfig(config: Config) {
    return new LocalRepositoryReader(localReposDirectory(config));
  }

  /** The file a URL names, when it lies inside the publishing directory (symlinks resolved). */
  resolve(url: string): string {
    const parsed = new URL(url);
    if (parsed.protocol !== 'file:')
      throw new NotAllowedError(`Not a file URL: ${url}`);
    const file = fileURLToPath(parsed);
    const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
    const root = fs.existsSync(this.root)
      ? fs.realpathSync(this.root)
      : this.root;
    const relative = path.relative(root, real);
    if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new NotAllowedError(
        `${url} is outside the local publishing directory`,
      );
    }
    if (!fs.existsSync(real) || !fs.statSync(real).isFile())
      throw new NotFoundError(`${url} does not exist`);
    return real;
  }

  predicate = (url: URL) => {
    if (url.protocol !== 'file:') return false;
    const relative = path.relative(this.root, fileURLToPath(url));
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  };

  async readUrl(url: string): Promise<UrlReaderServiceReadUrlResponse> {
    const file = this.resolve(url);
    const content = await fs.promises.readFile(file);
    const stat = await fs.promises.stat(file);
    return {
      buffer: async () => content,
      stream: () => Readable.from(content),
      etag: `${stat.size}-${stat.mtimeMs}`,
      lastModifiedAt: stat.mtime,
    };
  }

  async readTree(): Promise<never> {
    throw new NotAllowedError(
      'Local repositories can only be read file by file',
    );
  }

  async search(url: string): Promise<UrlReaderServiceSearchResponse> {
    // Locations name exact files; no globbing over the host's file system.
    const file = this.resolve(url);
    const content = await fs.promises.readFile(file);
    return { files: [{ url, content: async () => content }], etag: '' };
  }

  toString() {
    return `localRepositories{root=${this.root}}`;
  }
}

/**
 * Adds a URL reader for `file://` URLs inside the local publishing directory to the backend's readers, while
 * `microservices.localPublishing.enabled` is true; with it off the factory adds no reader. Add it to a backend
 * that publishes locally: `backend.add(localRepositoryReaderFactory)`.
 *
 * @public
 */
export const localRepositoryReaderFactory = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: {},
  async factory() {
    return ({ config }) => {
      if (!localPublishingEnabled(config)) return [];
      const reader = LocalRepositoryReader.fromConfig(config);
      return [{ reader, predicate: reader.predicate }];
    };
  },
});
