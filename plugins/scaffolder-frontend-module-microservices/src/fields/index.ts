import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { OwnerField } from './OwnerField';
import { PreviewField } from './PreviewField';
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

/** `ui:field: MicroserviceOwnerPicker` */
export const ownerPickerFormField = createFormField({
  name: 'MicroserviceOwnerPicker',
  component: OwnerField,
});

/** `ui:field: MicroservicePreview` */
export const previewFormField = createFormField({
  name: 'MicroservicePreview',
  component: PreviewField,
});
