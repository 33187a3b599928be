import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

const serviceNameField = FormFieldBlueprint.make({
  name: 'microservice-name',
  params: {
    field: () => import('./fields').then(m => m.serviceNameFormField),
  },
});

const stackPickerField = FormFieldBlueprint.make({
  name: 'microservice-stack-picker',
  params: {
    field: () => import('./fields').then(m => m.stackPickerFormField),
  },
});

const ownerPickerField = FormFieldBlueprint.make({
  name: 'microservice-owner-picker',
  params: {
    field: () => import('./fields').then(m => m.ownerPickerFormField),
  },
});

const previewField = FormFieldBlueprint.make({
  name: 'microservice-preview',
  params: {
    field: () => import('./fields').then(m => m.previewFormField),
  },
});

/**
 * The scaffolder form fields of the microservice template, for an app on the new frontend system:
 * `MicroserviceName` (the name checked while typing), `MicroserviceStackPicker` (the stack choice explained) and
 * `MicroserviceOwnerPicker` (any group, starting with the signed-in person's own) and `MicroservicePreview` (the
 * files Create will generate, from a dry run on the portal's backend).
 *
 * @public
 */
export const scaffolderMicroservicesModule = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [
    serviceNameField,
    stackPickerField,
    ownerPickerField,
    previewField,
  ],
});
