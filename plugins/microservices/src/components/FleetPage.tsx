import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  Content,
  Link,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
  useRouteRef,
} from '@backstage/frontend-plugin-api';
import {
  catalogApiRef,
  CATALOG_FILTER_EXISTS,
  EntityRefLink,
} from '@backstage/plugin-catalog-react';
import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import {
  driftOf,
  MICROSERVICE_TEMPLATE_REF,
  SOURCE_TEMPLATE_ANNOTATION,
  STACK_ANNOTATION,
  templateOrigin,
  TEMPLATE_VERSION_ANNOTATION,
  describeTarget,
  UPDATE_TEMPLATE_REF,
  updateTarget,
  type TemplateReleases,
  type UpdateTarget,
} from '@cross-stack/plugin-microservices-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useReleases } from '../releases';
import { taskRouteRef } from '../routes';
import { useUpdateAccess } from '../updateAccess';

/** Short cells stay on one line; the drift's reason wraps instead. */
const NO_WRAP = { whiteSpace: 'nowrap' } as const;

/** A task still running: its row cannot start another update. */
const LIVE = new Set(['starting', 'open', 'processing']);
/** How long the page follows a proposed task before leaving it to the task page. */
const FOLLOW_MS = 10 * 60_000;

/** One generated service as the fleet page shows it. */
export interface FleetRow {
  ref: string;
  entity: Entity;
  owner: string;
  stack: string;
  version: string;
  /** "up to date", "N releases behind" or "unknown — reason". */
  drift: string;
  behind: number;
  target: UpdateTarget;
}

/** An update task of a row: started here, or found among the scaffolder's tasks. */
interface UpdateState {
  taskId?: string;
  status: string;
  links?: Array<{ title?: string; url?: string }>;
  error?: string;
}

export function fleetRows(
  entities: Entity[],
  releases: TemplateReleases | undefined,
): FleetRow[] {
  return entities
    .map(entity => {
      const origin = templateOrigin(entity);
      let drift = 'unknown';
      let behind = 0;
      if (!origin.known) drift = `unknown — ${origin.reason}`;
      else if (releases) {
        const d = driftOf(origin.version, releases);
        if (d.state === 'current') drift = 'up to date';
        else if (d.state === 'unknown') drift = `unknown — ${d.reason}`;
        else {
          behind = d.releases.length;
          drift = `${behind} release${behind === 1 ? '' : 's'} behind`;
        }
      }
      return {
        ref: stringifyEntityRef(entity),
        entity,
        owner: String(entity.spec?.owner ?? ''),
        stack: origin.stack ?? 'unknown',
        version: origin.version ?? 'unknown',
        drift,
        behind,
        target: updateTarget(entity),
      };
    })
    .sort((a, b) => a.ref.localeCompare(b.ref));
}

/** The parameters a task was started with point at this row's repository. */
function sameTarget(
  parameters: Record<string, unknown> | undefined,
  target: UpdateTarget,
): boolean {
  if (!target.ok || !parameters) return false;
  return Object.entries(target.values).every(
    ([key, value]) => parameters[key] === value,
  );
}

/** What POST /api/microservices/proposals answers for one Component. */
type ProposalsResult =
  | {
      proposals: Array<{
        branch: string;
        state: 'open' | 'merged' | 'closed';
        url: string;
        number?: number;
      }>;
    }
  | { error: string };

/** The newest update proposal of a row's repository: "#12 open", "merged", or why it is unknown. */
function ProposalState(props: {
  result: ProposalsResult | undefined;
  loading: boolean;
}) {
  const { result } = props;
  if (!result) return <>{props.loading ? '…' : '—'}</>;
  if ('error' in result) return <>unknown — {result.error}</>;
  const [newest] = result.proposals;
  if (!newest) return <>none</>;
  const name = newest.number ? `#${newest.number}` : newest.branch;
  return (
    <>
      {newest.url.startsWith('file:') ? (
        name
      ) : (
        <Link to={newest.url}>{name}</Link>
      )}{' '}
      {newest.state}
    </>
  );
}

/** Services per version, as bars: the fleet's summary. */
function VersionChart(props: { rows: FleetRow[] }) {
  const counts = new Map<string, number>();
  for (const row of props.rows)
    counts.set(row.version, (counts.get(row.version) ?? 0) + 1);
  const max = Math.max(1, ...counts.values());
  const entries = [...counts.entries()].sort((a, b) =>
    b[0].localeCompare(a[0], undefined, { numeric: true }),
  );
  return (
    <Box
      component="figure"
      margin={0}
      aria-label="Services per template version"
      data-testid="version-chart"
    >
      <Typography variant="h6" component="figcaption">
        Services per template version
      </Typography>
      {entries.map(([version, count]) => (
        <Box key={version} display="flex" alignItems="center" my={0.5}>
          <Box width={120}>{version}</Box>
          <Box
            height={18}
            width={`${(count / max) * 60}%`}
            bgcolor="primary.main"
            mr={1}
          />
          <span data-testid={`version-count-${version}`}>{count}</span>
        </Box>
      ))}
    </Box>
  );
}

function FilterSelect(props: {
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}) {
  return (
    <TextField
      select
      id={`fleet-filter-${props.label.toLocaleLowerCase('en-US')}`}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      variant="outlined"
      size="small"
      style={{ minWidth: 180, marginRight: 16 }}
    >
      <MenuItem value="">All</MenuItem>
      {props.options.map(option => (
        <MenuItem key={option} value={option}>
          {option}
        </MenuItem>
      ))}
    </TextField>
  );
}

/**
 * Every Component this product rendered, with owner, stack, template version, how far behind it is and its
 * update task; filters, a per-version summary, and update proposals for the selected services (one update task
 * each, with the caller's permissions).
 */
export function FleetPage() {
  const catalogApi = useApi(catalogApiRef);
  const scaffolderApi = useApi(scaffolderApiRef);
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const taskPath = useRouteRef(taskRouteRef);
  const releases = useReleases();
  const access = useUpdateAccess();
  const [filters, setFilters] = useState({ stack: '', owner: '', version: '' });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [started, setStarted] = useState<Record<string, UpdateState>>({});
  // Follow-up loops stop when the page goes away.
  const unmounted = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController();
    unmounted.current = controller;
    return () => controller.abort();
  }, []);

  const entities = useAsync(async () => {
    const annotation = (key: string) => `metadata.annotations.${key}`;
    const { items } = await catalogApi.getEntities({
      filter: [
        {
          kind: 'Component',
          [annotation(TEMPLATE_VERSION_ANNOTATION)]: CATALOG_FILTER_EXISTS,
        },
        {
          kind: 'Component',
          [annotation(STACK_ANNOTATION)]: CATALOG_FILTER_EXISTS,
        },
        {
          kind: 'Component',
          [annotation(SOURCE_TEMPLATE_ANNOTATION)]: MICROSERVICE_TEMPLATE_REF,
        },
      ],
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'metadata.annotations',
        'spec.owner',
      ],
    });
    return items;
  }, [catalogApi]);

  // Update tasks started earlier (by anyone the caller may see), newest first.
  const earlierTasks = useAsync(async () => {
    const { tasks } = await scaffolderApi.listTasks({
      filterByOwnership: 'all',
      limit: 500,
    });
    return tasks
      .filter(t => t.spec.templateInfo?.entityRef === UPDATE_TEMPLATE_REF)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }, [scaffolderApi]);

  const rows = useMemo(
    () => fleetRows(entities.value ?? [], releases.value),
    [entities.value, releases.value],
  );

  // Each repository's update proposals (pull/merge requests, or a local repository's update branches); a row whose
  // proposal made on this page has ended is asked again on its own.
  const proposalsFor = useCallback(
    async (refs: string[]): Promise<Record<string, ProposalsResult>> => {
      if (refs.length === 0) return {};
      const response = await fetch(
        `${await discovery.getBaseUrl('microservices')}/proposals`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entityRefs: refs }),
        },
      );
      if (!response.ok)
        throw new Error(
          `POST /api/microservices/proposals answered ${response.status}`,
        );
      return (await response.json()).results;
    },
    [discovery, fetch],
  );
  const updatableRefs = rows
    .filter(row => row.target.ok)
    .map(row => row.ref)
    .join('\n');
  const proposals = useAsync(
    () => proposalsFor(updatableRefs ? updatableRefs.split('\n') : []),
    [updatableRefs, proposalsFor],
  );
  const [proposalsAgain, setProposalsAgain] = useState<
    Record<string, ProposalsResult>
  >({});
  const askProposalsAgain = useCallback(
    (ref: string) =>
      proposalsFor([ref])
        .then(results =>
          setProposalsAgain(current => ({ ...current, ...results })),
        )
        .catch(() => {}),
    [proposalsFor],
  );

  const shown = rows.filter(
    row =>
      (!filters.stack || row.stack === filters.stack) &&
      (!filters.owner || row.owner === filters.owner) &&
      (!filters.version || row.version === filters.version),
  );
  const distinct = (key: 'stack' | 'owner' | 'version') =>
    [...new Set(rows.map(row => row[key]))].sort();

  const updateOf = (row: FleetRow): UpdateState | undefined => {
    if (started[row.ref]) return started[row.ref];
    const task = earlierTasks.value?.find(t =>
      sameTarget(t.spec.parameters as Record<string, unknown>, row.target),
    );
    return task ? { taskId: task.id, status: task.status } : undefined;
  };

  const outputLinks = useCallback(
    async (taskId: string) => {
      const base = await discovery.getBaseUrl('scaffolder');
      const response = await fetch(`${base}/v2/tasks/${taskId}/events`);
      if (!response.ok) return undefined;
      const events = (await response.json()) as Array<{
        type: string;
        body?: { output?: { links?: UpdateState['links'] } };
      }>;
      return events.find(e => e.type === 'completion')?.body?.output?.links;
    },
    [discovery, fetch],
  );

  /** Polls a started task until it ends (or the page goes, or FOLLOW_MS pass), showing its state in the row. */
  const follow = useCallback(
    async (ref: string, taskId: string) => {
      const signal = unmounted.current.signal;
      const until = Date.now() + FOLLOW_MS;
      while (!signal.aborted && Date.now() < until) {
        try {
          const task = await scaffolderApi.getTask(taskId);
          const done = !LIVE.has(task.status);
          const links = done ? await outputLinks(taskId) : undefined;
          if (signal.aborted) return;
          setStarted(s => ({
            ...s,
            [ref]: { taskId, status: task.status, links },
          }));
          if (done) {
            askProposalsAgain(ref);
            return;
          }
        } catch {
          // A failed look is not the task failing: keep its id and look again.
        }
        await new Promise(r => setTimeout(r, 1000));
      }
    },
    [scaffolderApi, outputLinks, askProposalsAgain],
  );

  const propose = async (chosen: FleetRow[]) => {
    setSelected(new Set());
    await Promise.all(
      chosen.map(async row => {
        if (!row.target.ok) return;
        setStarted(s => ({ ...s, [row.ref]: { status: 'starting' } }));
        let taskId: string;
        try {
          ({ taskId } = await scaffolderApi.scaffold({
            templateRef: UPDATE_TEMPLATE_REF,
            values: row.target.values,
          }));
        } catch (error) {
          setStarted(s => ({
            ...s,
            [row.ref]: { status: 'refused', error: (error as Error).message },
          }));
          return;
        }
        setStarted(s => ({ ...s, [row.ref]: { taskId, status: 'open' } }));
        await follow(row.ref, taskId);
      }),
    );
  };

  if (entities.loading || releases.loading) return <Progress />;
  if (entities.error)
    return (
      <WarningPanel
        title="The catalog did not answer"
        message={entities.error.message}
      />
    );

  const canPropose = access.state === 'allowed';
  const selectable = shown.filter(
    row =>
      row.target.ok && row.behind > 0 && !LIVE.has(updateOf(row)?.status ?? ''),
  );
  const selectableRefs = new Set(selectable.map(row => row.ref));
  const chosen = selectable.filter(row => selected.has(row.ref));
  return (
    <Content>
      {proposals.error && (
        <WarningPanel
          title="The update proposals are unknown"
          message={proposals.error.message}
        />
      )}
      {releases.error && (
        <WarningPanel
          title="The template's releases are unknown"
          message={releases.error.message}
        />
      )}
      <Typography variant="body1" paragraph data-testid="fleet-summary">
        {rows.length} generated service{rows.length === 1 ? '' : 's'}; newest
        template version {releases.value?.newest ?? 'unknown'};{' '}
        {rows.filter(r => r.behind > 0).length} behind.
      </Typography>
      <VersionChart rows={rows} />
      <Box my={2} display="flex" alignItems="center">
        <FilterSelect
          label="Stack"
          value={filters.stack}
          options={distinct('stack')}
          onChange={stack => setFilters(f => ({ ...f, stack }))}
        />
        <FilterSelect
          label="Owner"
          value={filters.owner}
          options={distinct('owner')}
          onChange={owner => setFilters(f => ({ ...f, owner }))}
        />
        <FilterSelect
          label="Version"
          value={filters.version}
          options={distinct('version')}
          onChange={version => setFilters(f => ({ ...f, version }))}
        />
        {access.state === 'denied' && (
          <Typography variant="body2" role="status">
            Proposing updates is not offered to you: {access.reason}.
          </Typography>
        )}
        {canPropose && (
          <Button
            variant="contained"
            color="primary"
            disabled={chosen.length === 0}
            onClick={() => propose(chosen)}
          >
            Propose updates ({chosen.length})
          </Button>
        )}
      </Box>
      <Table size="small" aria-label="Generated services">
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox">
              {canPropose && (
                <Checkbox
                  inputProps={{ 'aria-label': 'Select all shown' }}
                  checked={
                    selectable.length > 0 &&
                    selectable.every(row => selected.has(row.ref))
                  }
                  onChange={e =>
                    setSelected(
                      e.target.checked
                        ? new Set(selectable.map(row => row.ref))
                        : new Set(),
                    )
                  }
                />
              )}
            </TableCell>
            <TableCell>Service</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Stack</TableCell>
            <TableCell>Version</TableCell>
            <TableCell>Drift</TableCell>
            <TableCell>Repository</TableCell>
            <TableCell>Update task</TableCell>
            <TableCell>Proposal</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {shown.map(row => {
            const update = updateOf(row);
            return (
              <TableRow
                key={row.ref}
                data-testid={`fleet-row-${row.entity.metadata.name}`}
              >
                <TableCell padding="checkbox">
                  {canPropose && (
                    <Checkbox
                      inputProps={{
                        'aria-label': `Select ${row.entity.metadata.name}`,
                      }}
                      disabled={!selectableRefs.has(row.ref)}
                      title={row.target.ok ? undefined : row.target.reason}
                      checked={
                        selectableRefs.has(row.ref) && selected.has(row.ref)
                      }
                      onChange={e =>
                        setSelected(s => {
                          const next = new Set(s);
                          if (e.target.checked) next.add(row.ref);
                          else next.delete(row.ref);
                          return next;
                        })
                      }
                    />
                  )}
                </TableCell>
                <TableCell style={NO_WRAP}>
                  <EntityRefLink entityRef={row.entity} />
                </TableCell>
                <TableCell style={NO_WRAP}>
                  {row.owner && (
                    <EntityRefLink entityRef={row.owner} defaultKind="group" />
                  )}
                </TableCell>
                <TableCell style={NO_WRAP}>{row.stack}</TableCell>
                <TableCell style={NO_WRAP}>{row.version}</TableCell>
                <TableCell>{row.drift}</TableCell>
                <TableCell>
                  {row.target.ok
                    ? describeTarget(row.target.values)
                    : `cannot update: ${row.target.reason}`}
                </TableCell>
                <TableCell data-testid="update-state">
                  {!update && '—'}
                  {update && (
                    <>
                      {update.taskId && taskPath ? (
                        <Link to={taskPath({ taskId: update.taskId })}>
                          task {update.status}
                        </Link>
                      ) : (
                        update.status
                      )}
                      {update.error && ` — ${update.error}`}
                      {update.links
                        ?.filter(link => link.url)
                        .map(link => (
                          <span key={link.url}>
                            {' · '}
                            <Link to={link.url!}>{link.title ?? link.url}</Link>
                          </span>
                        ))}
                    </>
                  )}
                </TableCell>
                <TableCell data-testid="proposal-state">
                  <ProposalState
                    result={
                      // The route answers by lower-case ref, as the catalog stores them.
                      proposalsAgain[row.ref.toLocaleLowerCase('en-US')] ??
                      proposals.value?.[row.ref.toLocaleLowerCase('en-US')]
                    }
                    loading={proposals.loading && row.target.ok}
                  />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Content>
  );
}
