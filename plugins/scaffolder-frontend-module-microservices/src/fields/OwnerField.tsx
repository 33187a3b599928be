import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useEffect, useState } from 'react';
import { defaultOwner } from './ownerDefault';

interface Group {
  ref: string;
  label: string;
}

const label = (entity: Entity) => {
  const name = humanizeEntityRef(entity, { defaultKind: 'group' });
  const displayName = (entity.spec?.profile as { displayName?: string })
    ?.displayName;
  return displayName && displayName !== name
    ? `${name} (${displayName})`
    : name;
};

/**
 * The owning team: any Group of the catalog, starting with the signed-in person's own group (`defaultOwner`),
 * which they may change. Scaffolder's OwnerPicker offers the groups but starts empty; MyGroupsPicker starts
 * with theirs but offers nothing else, so the platform team could not create a service for another team.
 */
export const OwnerField = (props: FieldExtensionComponentProps<string>) => {
  const { onChange, rawErrors, required, formData, schema, idSchema } = props;
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);
  const [groups, setGroups] = useState<Group[]>();
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    let current = true;
    Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'Group' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'spec.profile.displayName',
        ],
      }),
      identityApi.getBackstageIdentity(),
    ]).then(
      ([{ items }, identity]) => {
        if (!current) return;
        const offered = items
          .map(entity => ({
            ref: stringifyEntityRef(entity),
            label: label(entity),
          }))
          .sort((a, b) => a.label.localeCompare(b.label));
        setGroups(offered);
        const start = defaultOwner(
          identity.ownershipEntityRefs,
          offered.map(group => group.ref),
        );
        if (!formData && start) onChange(start);
      },
      error =>
        current &&
        setFailure(`The catalog's groups could not be read: ${error}`),
    );
    return () => {
      current = false;
    };
    // Once per form: a later change of formData is the person's choice, never overwritten.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [catalogApi, identityApi]);

  const selected = groups?.find(group => group.ref === formData) ?? null;
  return (
    <Autocomplete
      id={idSchema?.$id}
      options={groups ?? []}
      loading={!groups && !failure}
      value={selected}
      getOptionLabel={group => group.label}
      getOptionSelected={(option, value) => option.ref === value.ref}
      onChange={(_event, group) => onChange(group?.ref)}
      renderInput={params => (
        <TextField
          {...params}
          label={schema.title ?? 'Owner'}
          required={required}
          margin="normal"
          error={Boolean(failure) || (rawErrors?.length ?? 0) > 0}
          helperText={failure ?? schema.description}
        />
      )}
    />
  );
};
