import {
  InfoCard,
  LinkButton,
  MarkdownContent,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  driftOf,
  findStackDescription,
  describeTarget,
  templateOrigin,
  UPDATE_TEMPLATE_REF,
  updateTarget,
} from '@cross-stack/plugin-microservices-common';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import type { ReactNode } from 'react';
import { useReleases } from '../releases';
import { templateFormRouteRef } from '../routes';
import { useUpdateAccess } from '../updateAccess';
import { prefillQuery } from '../updateValues';

function Row(props: { label: string; children: ReactNode }) {
  return (
    <Typography variant="body2" component="div" gutterBottom>
      <strong>{props.label}:</strong> {props.children}
    </Typography>
  );
}

/** "Update to <version>", or why this person cannot update this component from the portal. */
function UpdateAction(props: { newest: string }) {
  const { entity } = useEntity();
  const access = useUpdateAccess();
  const templateForm = useRouteRef(templateFormRouteRef);
  const target = updateTarget(entity);
  const cannot = (reason: string) => (
    <Typography variant="body2">
      Cannot update from the portal: {reason}.
    </Typography>
  );
  if (!target.ok) return cannot(target.reason);
  if (access.state === 'loading') return <LinearProgress />;
  if (access.state === 'denied') return cannot(access.reason);
  if (!templateForm) return cannot('the scaffolder is not in this portal');
  const [, namespaceAndName] = UPDATE_TEMPLATE_REF.split(':');
  const [namespace, templateName] = namespaceAndName.split('/');
  return (
    <>
      <Row label="Repository">{describeTarget(target.values)}</Row>
      <LinkButton
        variant="contained"
        color="primary"
        to={`${templateForm({ namespace, templateName })}${prefillQuery(
          target.values,
        )}`}
      >
        Update to {props.newest}
      </LinkButton>
    </>
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

  let body: ReactNode;
  if (!origin.known) {
    body = <Row label="Status">unknown — {origin.reason}</Row>;
  } else if (releases.loading) {
    body = <LinearProgress />;
  } else if (releases.error || !releases.value) {
    body = (
      <Row label="Newest version">
        unknown — {releases.error?.message ?? 'no answer'}
      </Row>
    );
  } else {
    const drift = driftOf(origin.version, releases.value);
    const newest = releases.value.newest;
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
        {drift.state === 'behind' && (
          <>
            {/* A release's changelog can be long: it scrolls inside the card. */}
            <Box
              component="section"
              aria-label="Changelog"
              maxHeight={360}
              overflow="auto"
              mb={2}
              pr={1}
            >
              {drift.releases.map(release => (
                <div key={release.version}>
                  <Typography variant="subtitle2">
                    Changes in {release.version}
                  </Typography>
                  <MarkdownContent content={release.notes} />
                </div>
              ))}
            </Box>
            <UpdateAction newest={newest} />
          </>
        )}
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
          <EntityRefLink entityRef={origin.template} />
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
