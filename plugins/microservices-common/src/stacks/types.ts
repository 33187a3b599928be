/**
 * What a team needs to decide between stacks, and the name rules only that stack has.
 *
 * @public
 */
export interface StackDescription {
  /** The `stack` value, e.g. 'go'. */
  id: string;
  /** Short label, e.g. 'Go (net/http)'. */
  title: string;
  /** The libraries the generated service is built on. */
  framework: string;
  /** What the generated repository contains beyond the shared service contract. */
  includes: string[];
  /** When a team should pick this stack. */
  chooseWhen: string;
  /**
   * What this stack refuses in a service name that is already a DNS-1123 label, as the message the actions'
   * InputError carries; undefined when the stack accepts it.
   */
  nameProblem(name: string): string | undefined;
}
