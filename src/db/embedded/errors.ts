/** MongoDB server error codes we emit, with the codeName mongod pairs them with. */
export const Codes = {
  InternalError: 1,
  BadValue: 2,
  InvalidLength: 16,
  Unauthorized: 13,
  AuthenticationFailed: 18,
  MechanismUnavailable: 334,
  UnsupportedOpQueryCommand: 352,
  BSONObjectTooLarge: 10334,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  PathNotViable: 28,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CannotCreateIndex: 67,
  CannotIndexParallelArrays: 171,
  InvalidPipelineOperator: 168,
  CommandNotSupported: 115,
  Location40323: 40323,
  Location40192: 40192,
  Location40324: 40324,
  DuplicateKey: 11000,
} as const;

export type CodeName = keyof typeof Codes;

/** An error that the server reports to the client as `{ok: 0, errmsg, code, codeName}`. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Record<string, unknown>;

  constructor(codeName: CodeName, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.code = Codes[codeName];
    this.codeName = codeName;
    this.extra = extra;
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

/** Converts anything thrown while running a command; mingo's messages for bad operators are mapped to mongod's. */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof CommandError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  let m = /unknown query operator (\$\w+)/.exec(msg);
  if (m) return new CommandError('BadValue', `unknown operator: ${m[1]}`);
  m = /unknown top level operator: (\$\w+)/.exec(msg);
  if (m) {
    return new CommandError(
      'BadValue',
      `unknown top level operator: ${m[1]}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.`,
    );
  }
  m = /unregistered pipeline operator (\$\w+)/.exec(msg);
  if (m) return new CommandError('Location40324', `Unrecognized pipeline stage name: '${m[1]}'`);
  m = /(?:accumulator|expression|operator) '(\$\w+)' is not registered/.exec(msg);
  if (m) return new CommandError('InvalidPipelineOperator', `Unrecognized expression '${m[1]}'`);
  if (/unknown|unregistered|invalid|not allowed|must|cannot|expected|expects/i.test(msg)) return new CommandError('BadValue', msg);
  return new CommandError('InternalError', msg);
}

/** The writeErrors[] entry mongod reports for a failed write statement. */
export function asWriteError(err: unknown): Record<string, unknown> {
  const e = toCommandError(err);
  return { code: e.code, errmsg: e.message, ...e.extra };
}
