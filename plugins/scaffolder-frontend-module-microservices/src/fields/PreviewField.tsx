import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import type {
  Preview,
  PreviewFieldError,
} from '@cross-stack/plugin-microservices-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';

type State =
  | { kind: 'loading' }
  | { kind: 'preview'; preview: Preview }
  | { kind: 'fieldErrors'; errors: PreviewFieldError[] }
  | { kind: 'error'; message: string };

/** What the form has so far, without this field's own (empty) value. */
function formValues(
  formData: Record<string, unknown> | undefined,
  name: string,
): Record<string, unknown> {
  const { [name]: _ignored, ...values } = formData ?? {};
  return values;
}

/**
 * `ui:field: MicroservicePreview` — the files Create will generate with the values entered so far, rendered by the
 * template's own actions in a dry run on the portal's backend (POST /api/microservices/preview): the tree, and
 * README, openapi.yaml, the Dockerfile and the main service file to open. It contributes no value to the form.
 */
export const PreviewField = (props: FieldExtensionComponentProps<null>) => {
  const { formContext, name, uiSchema } = props;
  // The template this field previews; the Create template unless its ui:options name another.
  const templateRef =
    (uiSchema?.['ui:options']?.templateRef as string | undefined) ??
    'template:default/microservice';
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const values = formValues(formContext?.formData, name);
  const key = JSON.stringify(values);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [open, setOpen] = useState<string | undefined>();

  useEffect(() => {
    // A newer request (other values) or leaving the page abandons this one.
    const controller = new AbortController();
    const current = () => !controller.signal.aborted;
    setState({ kind: 'loading' });
    (async () => {
      const url = `${await discovery.getBaseUrl('microservices')}/preview`;
      let response: Response;
      for (;;) {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ templateRef, values: JSON.parse(key) }),
          signal: controller.signal,
        });
        // The backend renders one preview per person at a time; an abandoned one may still be running there.
        if (response.status !== 429) break;
        await new Promise(r => setTimeout(r, 300));
        if (!current()) return;
      }
      const body = await response.json().catch(() => ({}));
      if (!current()) return;
      if (response.ok) setState({ kind: 'preview', preview: body });
      else if (Array.isArray(body.fieldErrors))
        setState({ kind: 'fieldErrors', errors: body.fieldErrors });
      else
        setState({
          kind: 'error',
          message: body.error?.message ?? `HTTP ${response.status}`,
        });
    })().catch(error => {
      if (current()) setState({ kind: 'error', message: String(error) });
    });
    return () => controller.abort();
  }, [discovery, fetch, key, templateRef]);

  if (state.kind === 'loading')
    return <Typography role="status">Rendering the preview…</Typography>;
  if (state.kind === 'fieldErrors')
    return (
      <Box role="alert">
        <Typography color="error">
          The preview needs valid values first:
        </Typography>
        <ul>
          {state.errors.map(e => (
            <li key={`${e.field}:${e.message}`}>
              {e.field}: {e.message}
            </li>
          ))}
        </ul>
      </Box>
    );
  if (state.kind === 'error')
    return (
      <Typography role="alert" color="error">
        No preview: {state.message}
      </Typography>
    );

  const { preview } = state;
  const file = preview.files.find(f => f.path === open);
  return (
    <Box aria-label="Preview of the generated repository" component="section">
      <Typography variant="body2" gutterBottom>
        {preview.tree.length} files, {Math.round(preview.totalBytes / 1024)}{' '}
        KiB, rendered in {preview.durationMs} ms by the template's actions (a
        dry run: nothing is created).
      </Typography>
      {preview.cutOff && (
        <Typography role="alert" color="error">
          {preview.cutOff}
        </Typography>
      )}
      <Box display="flex" style={{ gap: 16 }}>
        <Box
          component="ul"
          aria-label="Generated files"
          style={{
            maxHeight: 420,
            overflow: 'auto',
            minWidth: 320,
            fontFamily: 'monospace',
            fontSize: 13,
            margin: 0,
            paddingLeft: 16,
          }}
        >
          {preview.tree.map(entry => (
            <li key={entry.path}>{entry.path}</li>
          ))}
        </Box>
        <Box flex={1} minWidth={0}>
          <Box mb={1}>
            {preview.files.map(f => (
              <Button
                key={f.path}
                size="small"
                variant={f.path === open ? 'contained' : 'outlined'}
                onClick={() => setOpen(f.path)}
                style={{ marginRight: 8, textTransform: 'none' }}
              >
                {f.path}
              </Button>
            ))}
          </Box>
          {file && (
            <Box
              component="pre"
              aria-label={file.path}
              style={{
                maxHeight: 380,
                overflow: 'auto',
                fontSize: 12,
                background: 'rgba(127,127,127,0.08)',
                padding: 8,
              }}
            >
              {file.content}
              {file.truncated && '\n… (cut off at 64 KiB)'}
            </Box>
          )}
        </Box>
      </Box>
    </Box>
  );
};
