export interface Config {
  microservices?: {
    /** The Create form's preview (POST /api/microservices/preview). */
    preview?: {
      /**
       * Longest a preview's dry run may take before it is cut off, in milliseconds (default 10000).
       * @visibility backend
       */
      timeoutMs?: number;
      /**
       * Most bytes a previewed service may have; a larger render is cut off with a message (default 5000000).
       * @visibility backend
       */
      maxBytes?: number;
      /**
       * Previews rendering at once, across everyone (default 4); one more is answered 429. Each person has one at a
       * time.
       * @visibility backend
       */
      concurrency?: number;
      /**
       * The templates the preview renders, as entity refs (default: template:default/microservice). Each must
       * render a service and use only this product's actions and the GitHub and GitLab publishers.
       * @visibility backend
       */
      templates?: string[];
    };
  };
}
