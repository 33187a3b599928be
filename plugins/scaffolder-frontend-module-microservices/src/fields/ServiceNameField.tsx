import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import { useEffect, useState } from 'react';
import { checkServiceName } from './serviceNameRules';

// Long enough that typing a name does not query the catalog on every key.
const CATALOG_CHECK_DELAY_MS = 300;

/**
 * The service name, checked while typing against the rules the actions apply (DNS-1123, the chosen stack's
 * reserved names) and against the catalog (a name whose entities exist is taken).
 */
export const ServiceNameField = (
  props: FieldExtensionComponentProps<string>,
) => {
  const {
    onChange,
    rawErrors,
    required,
    formData,
    formContext,
    schema,
    idSchema,
  } = props;
  const catalogApi = useApi(catalogApiRef);
  const stack = formContext?.formData?.stack;
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    if (!formData) {
      setProblem(undefined);
      return undefined;
    }
    let current = true;
    // The rules that need no catalog answer show at once; the catalog's answer follows after a pause.
    checkServiceName(formData, stack, undefined).then(
      p => current && setProblem(p),
    );
    const timer = setTimeout(() => {
      checkServiceName(formData, stack, catalogApi).then(
        p => current && setProblem(p),
        () => {}, // The catalog not answering is not the user's mistake; the step's validation retries.
      );
    }, CATALOG_CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [formData, stack, catalogApi]);

  // After Next the form lists the step's errors under the field itself; the live check adds only what differs.
  const stepErrors = rawErrors?.length ?? 0;
  return (
    <TextField
      id={idSchema?.$id}
      label={schema.title ?? 'Name'}
      required={required}
      value={formData ?? ''}
      onChange={e => onChange(e.target.value || undefined)}
      error={Boolean(problem) || stepErrors > 0}
      helperText={
        problem && !rawErrors?.includes(problem)
          ? problem
          : (stepErrors === 0 && (problem ?? schema.description)) || undefined
      }
      inputProps={{ autoComplete: 'off', spellCheck: false }}
      margin="normal"
      fullWidth
    />
  );
};

/** Runs when the user goes to the next step: the same check, so a wrong or taken name cannot be submitted. */
export const validateServiceName: CustomFieldValidator<string> = async (
  value,
  validation,
  context,
) => {
  const catalogApi = context.apiHolder.get(catalogApiRef);
  const problem = await checkServiceName(
    value,
    context.formData?.stack,
    catalogApi,
  );
  if (problem) validation.addError(problem);
};
