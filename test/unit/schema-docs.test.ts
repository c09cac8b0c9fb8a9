import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLEnumType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../src/errors/error-code';

const ROOT = join(__dirname, '..', '..');
const schema: GraphQLSchema = buildSchema(readFileSync(join(ROOT, 'schema', 'schema.graphql'), 'utf8'));

/** Every named thing of the schema a client sees, with its description. */
function documented(): Array<{ name: string; description: string | null | undefined }> {
  const items: Array<{ name: string; description: string | null | undefined }> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    items.push({ name: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        items.push({ name: `${type.name}.${field.name}`, description: field.description });
        if ('args' in field) for (const arg of field.args) items.push({ name: `${type.name}.${field.name}(${arg.name})`, description: arg.description });
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) items.push({ name: `${type.name}.${value.name}`, description: value.description });
  }
  return items;
}

describe('schema documentation (issue 11)', () => {
  it('describes every type, field, argument and enum value', () => {
    const items = documented();
    expect(items.length).toBeGreaterThan(200);
    expect(items.filter((item) => !item.description?.trim()).map((item) => item.name)).toEqual([]);
  });

  it('lists every error code a client can get, as README does', () => {
    const codes = (schema.getType('ErrorCode') as GraphQLEnumType).getValues().map((value) => value.name).sort();
    const transport = ['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND'];
    expect(codes).toEqual([...Object.values(ErrorCode), ...transport].sort());
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
    const inReadme = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([A-Z_]+)`/g)].map((code) => code[1]!));
    expect([...new Set(inReadme)].sort()).toEqual(codes);
  });
});
