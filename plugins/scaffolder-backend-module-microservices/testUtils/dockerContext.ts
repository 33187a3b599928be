/*
 * Which files `docker build .` sends to the builder, following .dockerignore as BuildKit reads it, through
 * @balena/dockerignore (a port of moby's own matcher). Lets tests and the conformance tier build from exactly
 * the files the Dockerfile would see.
 */
import dockerignore from '@balena/dockerignore';

/** The files (POSIX paths relative to the context) that stay in the build context. */
export function dockerContextFiles(
  files: string[],
  dockerignoreText: string,
): string[] {
  return dockerignore().add(dockerignoreText.split(/\r?\n/)).filter(files);
}
