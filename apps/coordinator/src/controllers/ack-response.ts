import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { Ack } from '@fedfuse/protocol';

/** The data of a successful result, or the HTTP error its code stands for. */
export function unwrap<T>(result: Ack<T>): T {
  if (result.ok) return result.data;
  const body = { code: result.error.code, message: result.error.message };
  if (result.error.code === 'not_found') throw new NotFoundException(body);
  if (result.error.code === 'busy' || result.error.code === 'schema_mismatch')
    throw new ConflictException(body);
  throw new BadRequestException(body);
}
