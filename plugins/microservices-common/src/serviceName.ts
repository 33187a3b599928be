/**
 * A Kubernetes DNS-1123 label: what a service name must be, since it names Deployments and DNS records.
 *
 * @public
 */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const dnsLabel = new RegExp(DNS_LABEL_PATTERN);

/**
 * What is wrong with a service name as a DNS-1123 label, as the message the actions' InputError carries; undefined
 * when it is one.
 *
 * @public
 */
export function serviceNameProblem(
  name: unknown,
  field = 'name',
): string | undefined {
  if (typeof name !== 'string' || name.length === 0) {
    return `${field}: required, a DNS-1123 label such as 'billing-api'`;
  }
  if (name.length > 63) {
    return `${field}: '${name.slice(0, 20)}…' is ${
      name.length
    } characters; a DNS-1123 label has at most 63`;
  }
  if (!dnsLabel.test(name)) {
    return `${field}: '${name}' is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * The catalog entities a generated service registers, by entity ref: a name is taken when any of them exists.
 *
 * @public
 */
export function serviceEntityRefs(name: string): string[] {
  return [
    `component:default/${name}`,
    `api:default/${name}`,
    `resource:default/${name}-db`,
  ];
}

/**
 * The message for a name whose entities the catalog already holds.
 *
 * @public
 */
export function takenNameProblem(name: string, entityRef: string): string {
  return `name: '${name}' is already taken in the catalog (${entityRef}); choose another name`;
}
