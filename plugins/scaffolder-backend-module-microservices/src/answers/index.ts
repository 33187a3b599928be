export {
  ANSWERS_API_VERSION,
  ANSWERS_FILE,
  ANSWERS_KIND,
  RECORDED_ACTIONS,
  answersFileFor,
  formatAnswers,
  parseAnswers,
  PRISTINE_RENDER_TRAILER,
  readAnswersFile,
} from './answers';
export type { Answers, RecordedAction } from './answers';
