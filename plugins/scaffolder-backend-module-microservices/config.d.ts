export interface Config {
  microservices?: {
    localPublishing?: {
      /**
       * Whether the backend publishes to and reads from its own disk: `microservice:publish:local` is registered,
       * `localRepositoryReaderFactory` reads file:// URLs in `directory`, `microservice:catalog:register` accepts
       * them and `microservice:service:update` updates such repositories. Default false; leave it off in
       * production.
       */
      enabled?: boolean;
      /**
       * Directory in which `microservice:publish:local` creates repositories; relative paths resolve against the
       * backend's working directory. Default `.data/repos`.
       */
      directory?: string;
    };
  };
}
