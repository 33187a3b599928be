export {
  ANSWERS_API_VERSION,
  ANSWERS_FILE,
  ANSWERS_KIND,
  RECORDED_ACTIONS,
  answersFileFor,
  formatAnswers,
  INITIAL_COMMIT_MESSAGE_DESCRIPTION,
  initialCommitMessage,
  parseAnswers,
  PRISTINE_RENDER_TRAILER,
  readAnswersFile,
  TASK_TRAILER,
} from './answers';
export type { Answers, RecordedAction } from './answers';
