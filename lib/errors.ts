/**
 * Errors that stand for a user's mistake or a bad file. Scripts print them as
 * one line, `error: <file>: <what is wrong>`, and exit with `exitCode`;
 * anything else that escapes is a bug and keeps its stack trace.
 *
 * @module
 */

/** A user's mistake or a bad input: printed as one line, never a stack trace. */
export class UserError extends Error {
  /** The file (or flag) the problem is about, or "" when there is none. */
  readonly subject: string;
  /** Process exit status: 1 for bad input, 2 for bad flags. */
  readonly exitCode: number;

  /** Make an error about `subject` with a one-line `message`. */
  constructor(subject: string, message: string, options: { exitCode?: number } = {}) {
    super(message);
    this.name = "UserError";
    this.subject = subject;
    this.exitCode = options.exitCode ?? 1;
  }

  /** The one line a script prints: `error: <subject>: <problem>`. */
  line(): string {
    return this.subject ? `error: ${this.subject}: ${this.message}` : `error: ${this.message}`;
  }
}

/** A file that is not what its name or magic number says: truncated, corrupt, unsupported. */
export class FormatError extends UserError {
  /** Make a format error about file `subject`. */
  constructor(subject: string, message: string) {
    super(subject, message, { exitCode: 1 });
    this.name = "FormatError";
  }
}

/** A bad flag or flag value (exit status 2). */
export class UsageError extends UserError {
  /** Make a usage error; `subject` names the flag, e.g. `--epochs`. */
  constructor(subject: string, message: string) {
    super(subject, message, { exitCode: 2 });
    this.name = "UsageError";
  }
}

/**
 * A library option with a value it cannot take. `subject` is the option's
 * field name (e.g. `latentDim`), since the library knows no flags; a script
 * names its own flag instead through {@linkcode OptionError.forFlag}.
 */
export class OptionError extends UsageError {
  /** The option field, e.g. `latentDim`. */
  readonly field: string;

  /** Make an error about option `field`: `message` says what it must be. */
  constructor(field: string, message: string) {
    super(field, message);
    this.name = "OptionError";
    this.field = field;
  }

  /** The same problem named by the script's flag (e.g. `--latent`). */
  forFlag(flag: string): UsageError {
    return new UsageError(flag, this.message);
  }
}
