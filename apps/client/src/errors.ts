/** Exit codes of fedfuse-client: 1 operation failed, 2 bad arguments or set-up, 3 refused by the coordinator. */
export type ExitCode = 0 | 1 | 2 | 3;

/** An error the CLI prints as one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad argument or a missing/invalid set-up file: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
