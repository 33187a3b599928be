import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ServiceNameField, validateServiceName } from './ServiceNameField';
import { StackPickerField } from './StackPickerField';

/** `ui:field: MicroserviceName` */
export const serviceNameFormField = createFormField({
  name: 'MicroserviceName',
  component: ServiceNameField,
  validation: validateServiceName,
});

/** `ui:field: MicroserviceStackPicker` */
export const stackPickerFormField = createFormField({
  name: 'MicroserviceStackPicker',
  component: StackPickerField,
});
