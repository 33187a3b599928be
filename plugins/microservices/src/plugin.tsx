import {
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
  type FrontendPlugin,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isRenderedByTemplate } from '@cross-stack/plugin-microservices-common';
import UpdateIcon from '@material-ui/icons/Update';
import { taskRouteRef, templateFormRouteRef } from './routes';

const templateCard = EntityCardBlueprint.make({
  name: 'template',
  params: {
    filter: entity =>
      entity.kind === 'Component' && isRenderedByTemplate(entity),
    loader: () =>
      import('./components/TemplateCard').then(m => <m.TemplateCard />),
  },
});

const fleetRouteRef = createRouteRef();

const fleetPage = PageBlueprint.make({
  params: {
    routeRef: fleetRouteRef,
    path: '/microservices',
    title: 'Service fleet',
    icon: <UpdateIcon fontSize="inherit" />,
    loader: () => import('./components/FleetPage').then(m => <m.FleetPage />),
  },
});

/**
 * The platform team's view of generated services: a card on each generated Component (stack, template version,
 * drift, changelog, update) and the fleet page (/microservices) with bulk update proposals.
 *
 * @public
 */
export const microservicesPlugin: FrontendPlugin = createFrontendPlugin({
  pluginId: 'microservices',
  title: 'Service fleet',
  icon: <UpdateIcon fontSize="inherit" />,
  routes: { fleet: fleetRouteRef },
  externalRoutes: { templateForm: templateFormRouteRef, task: taskRouteRef },
  extensions: [templateCard, fleetPage],
});
