import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { TemplateReleases } from '@cross-stack/plugin-microservices-common';
import useAsync from 'react-use/esm/useAsync';

/** The template package's releases from this portal's backend (GET /api/microservices/releases). */
export function useReleases() {
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  return useAsync(async (): Promise<TemplateReleases> => {
    const response = await fetch(
      `${await discovery.getBaseUrl('microservices')}/releases`,
    );
    if (!response.ok)
      throw new Error(
        `GET /api/microservices/releases answered ${response.status}`,
      );
    return response.json();
  }, [discovery, fetch]);
}
