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
    };
  };
}
