export interface Config {
  microservices?: {
    localPublish?: {
      /**
       * Directory in which `microservice:publish:local` creates repositories; relative paths resolve against the
       * backend's working directory. Default `.data/repos`.
       */
      directory?: string;
    };
  };
}
