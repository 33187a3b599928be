export interface Config {
  microservices?: {
    localPublish?: {
      /**
       * Directory in which `microservice:publish:local` creates repositories; relative paths resolve against the
       * backend's working directory. Default `.data/repos`.
       */
      directory?: string;
    };
    embedded?: {
      /**
       * Let the catalog accept `file` locations (embedded development backend only; never in production).
       */
      allowFileLocations?: boolean;
    };
  };
}
