import {
  BadRequestException,
  Body,
  Get,
  Injectable,
  Param,
  Post,
  Query,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { formatIssues, restRoutes } from '@fedfuse/protocol';
import type { RestRoute as RestRouteSpec, RestRouteName } from '@fedfuse/protocol';
import type { z } from 'zod';

/** Parses a body, query or path parameters with a zod schema; 400 `invalid_payload` naming the field. */
@Injectable()
class ZodValidationPipe<TSchema extends z.ZodType> implements PipeTransform {
  constructor(private readonly schema: TSchema) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<TSchema> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    // The issue path names the field or the path parameter (`round: expected a positive integer`).
    const root = metadata.type === 'param' ? 'path' : metadata.type;
    throw new BadRequestException({
      code: 'invalid_payload',
      message: formatIssues(parsed.error.issues).replaceAll('(root)', root),
    });
  }
}

function schemaOf(name: RestRouteName, part: 'params' | 'query' | 'body'): z.ZodType {
  const route: RestRouteSpec = restRoutes[name];
  const schema = route[part];
  if (!schema) throw new Error(`route ${name} declares no ${part} schema`);
  return schema;
}

/** Binds a handler to route `name` of the protocol's route table (method and path). */
export function RestRoute(name: RestRouteName): MethodDecorator {
  const { method, path } = restRoutes[name];
  return method === 'GET' ? Get(path) : Post(path);
}

/** Route `name`'s path parameters, validated (`:round` → positive integer, else 400 naming it). */
export const RestParam = (name: RestRouteName) => Param(new ZodValidationPipe(schemaOf(name, 'params')));

/** Route `name`'s query, validated with defaults filled in. */
export const RestQueryOf = (name: RestRouteName) => Query(new ZodValidationPipe(schemaOf(name, 'query')));

/** Route `name`'s JSON body, validated with defaults filled in. */
export const RestBodyOf = (name: RestRouteName) => Body(new ZodValidationPipe(schemaOf(name, 'body')));
