import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { Ack } from '@fedfuse/protocol';
import type { z } from 'zod';

/** The data of a successful result, or the HTTP error its code stands for. */
export function unwrap<T>(result: Ack<T>): T {
  if (result.ok) return result.data;
  const body = { code: result.error.code, message: result.error.message };
  if (result.error.code === 'not_found') throw new NotFoundException(body);
  if (result.error.code === 'busy' || result.error.code === 'schema_mismatch')
    throw new ConflictException(body);
  throw new BadRequestException(body);
}

/** Parses a request body or query with a zod schema, answering 400 with the failing field on error. */
export function parseBody<TSchema extends z.ZodType>(schema: TSchema, raw: unknown): z.infer<TSchema> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new BadRequestException({
    code: 'invalid_payload',
    message: `${issue.path.join('.') || 'body'}: ${issue.message}`,
  });
}
