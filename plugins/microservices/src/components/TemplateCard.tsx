import { parseEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  MarkdownContent,
  Progress,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  driftOf,
  findStackDescription,
  templateOrigin,
} from '@cross-stack/plugin-microservices-common';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useReleases } from '../releases';
import { updateTarget, updateTemplatePath } from '../updateValues';

function catalogPath(ref: string): string {
  const { kind, namespace, name } = parseEntityRef(ref);
  return `/catalog/${namespace}/${kind.toLocaleLowerCase('en-US')}/${name}`;
}

function Row(props: { label: string; children: React.ReactNode }) {
  return (
    <Typography variant="body2" component="div" gutterBottom>
      <strong>{props.label}:</strong> {props.children}
    </Typography>
  );
}

/**
 * Where a generated Component comes from: its stack, template and rendered version, the newest version this
 * portal offers, the changelog in between, and the update template prefilled for it (or why not).
 */
export function TemplateCard() {
  const { entity } = useEntity();
  const origin = templateOrigin(entity);
  const releases = useReleases();
  const canCreate = usePermission({ permission: taskCreatePermission });
  const target = updateTarget(entity);

  let body: React.ReactNode;
  if (!origin.known) {
    body = <Row label="Template version">unknown — {origin.reason}</Row>;
  } else if (releases.loading) {
    body = <Progress />;
  } else if (releases.error || !releases.value) {
    body = (
      <Row label="Newest version">
        unknown — {releases.error?.message ?? 'no answer'}
      </Row>
    );
  } else {
    const drift = driftOf(origin.version, releases.value);
    const newest = releases.value.newest;
    let action: React.ReactNode = null;
    if (drift.state === 'behind') {
      if (!target.ok)
        action = (
          <Typography variant="body2">
            Cannot update from the portal: {target.reason}.
          </Typography>
        );
      else if (!canCreate.loading && !canCreate.allowed)
        action = (
          <Typography variant="body2">
            Cannot update from the portal: you may not run templates.
          </Typography>
        );
      else
        action = (
          <Button
            variant="contained"
            color="primary"
            href={updateTemplatePath(target.values)}
            disabled={canCreate.loading}
          >
            Update to {newest}
          </Button>
        );
    }
    body = (
      <>
        <Row label="Newest version">{newest}</Row>
        <Row label="Status">
          {drift.state === 'current' && 'up to date'}
          {drift.state === 'unknown' && `unknown — ${drift.reason}`}
          {drift.state === 'behind' &&
            `${drift.releases.length} release${
              drift.releases.length === 1 ? '' : 's'
            } behind`}
        </Row>
        {drift.state === 'behind' &&
          drift.releases.map(release => (
            <div key={release.version} data-testid="changelog-entry">
              <Typography variant="subtitle2">
                Changes in {release.version}
              </Typography>
              <MarkdownContent content={release.notes} />
            </div>
          ))}
        {action}
      </>
    );
  }

  return (
    <InfoCard
      title="Service template"
      cardClassName="microservice-template-card"
    >
      <Row label="Stack">
        {findStackDescription(origin.stack ?? '')?.title ??
          (origin.stack || 'unknown')}
      </Row>
      <Row label="Template">
        {origin.known ? (
          <Link to={catalogPath(origin.template)}>{origin.template}</Link>
        ) : (
          entity.metadata.annotations?.['backstage.io/source-template'] ??
          'unknown'
        )}
      </Row>
      <Row label="Rendered version">{origin.version ?? 'unknown'}</Row>
      {body}
    </InfoCard>
  );
}
