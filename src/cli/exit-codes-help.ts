/** Shown by `--help` (and `plan --help`, `apply --help`): the exit codes a script can test. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    success (plan --detailed-exitcode: no changes)
  1    any error: invalid manifest, bad flag, unreachable API, a run that failed
  2    plan --detailed-exitcode (or apply --dry-run --detailed-exitcode): there are changes
  3    a guard refused the plan (--max-changes, --max-archive, or --archive-missing with empty manifests
       and no --allow-empty): nothing was written
  130  interrupted by Ctrl-C (SIGINT): no new request started, requests under way got 5 s; run the same command again
  143  stopped by SIGTERM: the same as 130
  141  stdout was closed before the command ended (| head)`;
