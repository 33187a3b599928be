/**
 * The directory the user ran `yarn render|service|template …` in, against which their relative paths resolve:
 * the root scripts pass it as CALLER_CWD, because Yarn sets INIT_CWD to the package folder for workspace scripts.
 */
export function callerCwd(): string {
  return process.env.CALLER_CWD || process.env.INIT_CWD || process.cwd();
}
