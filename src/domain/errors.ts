export type ErrorKind = 'not_found' | 'invalid_input' | 'forbidden' | 'conflict' | 'invalid_catalog' | 'invalid_config';

/** One base for every expected failure; src/http/errors.ts alone maps kinds to HTTP statuses. */
export class AppError extends Error {
  constructor(readonly kind: ErrorKind, readonly code: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', 'not_found', message);
  }
}

export class InvalidInputError extends AppError {
  constructor(message: string, code = 'invalid_parameter') {
    super('invalid_input', code, message);
  }
}

export class CatalogError extends AppError {
  constructor(readonly problems: string[]) {
    super('invalid_catalog', 'invalid_catalog', `The catalog has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
}

export class ConfigError extends AppError {
  constructor(message: string) {
    super('invalid_config', 'invalid_config', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', 'conflict', message);
  }
}
