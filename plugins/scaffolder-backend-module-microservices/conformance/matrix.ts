/**
 * The variants every stack is rendered in: the conformance tier builds and runs each of them, and the golden
 * fixtures (golden/) record every file each one renders.
 */
export interface Variant {
  id: string;
  name: string;
  parameters: Record<string, unknown>;
  auth: boolean;
  plural: string;
}

export const matrix: Variant[] = [
  {
    id: 'defaults',
    name: 'billing-api',
    parameters: {},
    auth: false,
    plural: 'users',
  },
  {
    id: 'auth',
    name: 'secure-api',
    parameters: { auth: true },
    auth: true,
    plural: 'users',
  },
  {
    id: 'renamed resource',
    name: 'crm-service',
    parameters: { resource: 'customer' },
    auth: false,
    plural: 'customers',
  },
];

/** The fixture file name of a variant: `defaults`, `auth`, `renamed-resource`. */
export const variantSlug = (variant: Variant) =>
  variant.id.replace(/\s+/g, '-');
