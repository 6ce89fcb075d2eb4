import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, type ErrorKind, InvalidInputError } from '../domain/errors.js';
import { describeIssues } from '../domain/issues.js';

const STATUS: Record<ErrorKind, number> = {
  not_found: 404,
  invalid_input: 400,
  forbidden: 403,
  conflict: 409,
  invalid_catalog: 500,
  invalid_config: 500,
};

/** Validates request input with a contract schema; a failure names every bad parameter. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) {
    throw new InvalidInputError(`Invalid ${what}: ${describeIssues(result.error).join('; ')}`);
  }
  return result.data;
}

/** The one place where errors become HTTP responses: { error: { code, message } }. */
/** Fastify binds the error handler when a route is added: call this before any route. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError && STATUS[err.kind] < 500) {
      return reply.code(STATUS[err.kind]).send({ error: { code: err.code, message: err.message } });
    }
    // Errors raised by Fastify itself for a bad request (malformed URL, body too large, ...).
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = 'code' in err && typeof err.code === 'string' ? err.code.toLowerCase() : 'bad_request';
      return reply.code(status).send({ error: { code, message: err.message } });
    }
    req.log.error({ err, reqId: req.id }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: `Internal error (request id ${req.id})` } });
  });
}

export function installNotFound(app: FastifyInstance, htmlNotFound?: (req: FastifyRequest, reply: FastifyReply) => unknown): void {
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    // A browser asking for a page gets the app's 404 page; API clients get JSON.
    if (htmlNotFound && req.method === 'GET' && !path.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html')) {
      return htmlNotFound(req, reply);
    }
    return reply.code(404).send({ error: { code: 'not_found', message: `No route for ${req.method} ${path}` } });
  });
}
