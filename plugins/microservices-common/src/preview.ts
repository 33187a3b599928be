/**
 * A file the Create form's preview lists: its path in the generated repository and its size in bytes.
 *
 * @public
 */
export interface PreviewEntry {
  /** POSIX path in the generated repository. */
  path: string;
  /** Size in bytes. */
  size: number;
}

/**
 * A key file of the preview, its text cut at 64 KiB (then `truncated`).
 *
 * @public
 */
export interface PreviewFile {
  /** POSIX path in the generated repository. */
  path: string;
  /** Which key file it is: README.md, openapi.yaml, the Dockerfile or the stack's main service file. */
  role: 'readme' | 'openapi' | 'dockerfile' | 'main';
  /** Its text, up to 64 KiB. */
  content: string;
  /** Whether the text was cut at 64 KiB. */
  truncated: boolean;
}

/**
 * POST /api/microservices/preview: what Create would generate with the form's values.
 *
 * @public
 */
export interface Preview {
  /** Every generated file, sorted by path (up to the size bound). */
  tree: PreviewEntry[];
  /** The key files the form lets the user open. */
  files: PreviewFile[];
  /** The listed files' bytes together. */
  totalBytes: number;
  /** Why the tree is incomplete, when it is. */
  cutOff?: string;
  /** How long the dry run took on the backend. */
  durationMs: number;
}

/**
 * One field the template's parameters refuse, as the scaffolder's validator words it.
 *
 * @public
 */
export interface PreviewFieldError {
  /** The form field (the template parameter's name). */
  field: string;
  /** The rule it breaks, in the validator's words. */
  message: string;
}
