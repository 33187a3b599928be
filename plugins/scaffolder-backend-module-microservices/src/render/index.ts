export {
  renderSkeletonFiles,
  renderSkeleton,
  writeRenderedFiles,
} from './renderSkeleton';
export type { RenderedFile, RenderSkeletonOptions } from './renderSkeleton';
export { SkeletonRenderError } from './templating';
export { goString, rustString, tomlString, yamlString } from './quoting';

/** @deprecated Renamed to renderSkeletonFiles; kept only while `bench/` still imports the old name. */
export { renderSkeletonFiles as planSkeleton } from './renderSkeleton';
