export {
  renderSkeletonFiles,
  renderSkeleton,
  writeRenderedFiles,
} from './renderSkeleton';
export type {
  RenderedFile,
  RenderSkeletonFilesOptions,
  RenderSkeletonOptions,
} from './renderSkeleton';
export { SkeletonRenderError } from './templating';
export { goString, rustString, tomlString, yamlString } from './quoting';
