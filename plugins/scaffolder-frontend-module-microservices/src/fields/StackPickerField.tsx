import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { findStackDescription } from '@cross-stack/plugin-microservices-common';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  option: {
    alignItems: 'flex-start',
    marginTop: theme.spacing(1.5),
  },
  details: {
    margin: theme.spacing(0.5, 0, 0, 0),
    paddingLeft: theme.spacing(2.5),
  },
}));

interface StackOption {
  const: string;
  title?: string;
}

/**
 * The stack choice as a team decides it: for every stack the template offers (its `oneOf`), the framework, what
 * the generated service includes and when to choose it, from the stack's description in the common package.
 */
export const StackPickerField = (
  props: FieldExtensionComponentProps<string>,
) => {
  const { onChange, formData, schema, rawErrors, required, idSchema } = props;
  const classes = useStyles();
  const options = ((schema.oneOf ?? []) as StackOption[]).filter(
    o => typeof o.const === 'string',
  );
  const labelId = `${idSchema?.$id ?? 'stack'}-label`;
  return (
    <FormControl
      component="fieldset"
      required={required}
      error={(rawErrors?.length ?? 0) > 0}
      margin="normal"
      fullWidth
    >
      <FormLabel component="legend" id={labelId}>
        {schema.title ?? 'Stack'}
      </FormLabel>
      {schema.description && (
        <FormHelperText>{schema.description}</FormHelperText>
      )}
      <RadioGroup
        aria-labelledby={labelId}
        value={formData ?? ''}
        onChange={e => onChange(e.target.value)}
      >
        {options.map(option => {
          const stack = findStackDescription(option.const);
          return (
            <FormControlLabel
              key={option.const}
              value={option.const}
              className={classes.option}
              control={<Radio />}
              label={
                <div>
                  <Typography variant="subtitle1" component="span">
                    {stack?.title ?? option.title ?? option.const}
                  </Typography>
                  {stack && (
                    <ul className={classes.details}>
                      <Typography component="li" variant="body2">
                        <strong>Framework:</strong> {stack.framework}
                      </Typography>
                      <Typography component="li" variant="body2">
                        <strong>Includes:</strong> the service contract (probes,
                        metrics, traces, JSON logs, PostgreSQL, graceful
                        shutdown), {stack.includes.join('; ')}
                      </Typography>
                      <Typography component="li" variant="body2">
                        <strong>Choose it for:</strong> {stack.chooseWhen}
                      </Typography>
                    </ul>
                  )}
                </div>
              }
            />
          );
        })}
      </RadioGroup>
      {rawErrors?.map(error => (
        <FormHelperText key={error}>{error}</FormHelperText>
      ))}
    </FormControl>
  );
};
