// Content checks before anything is written: a JSON Schema (ajv, draft 2020-12) and keys that
// must be present. Both are compiled at start, so a broken schema is a config error, not a
// surprise after the fetch.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** Returns the problems with a parsed document; none means valid. */
export type Validator = (document: unknown) => string[];

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export function compileValidator(schemaFile: string | undefined, requiredKeys: string[]): Validator {
  let schemaCheck: Validator = () => [];
  if (schemaFile) {
    let schema: object;
    try {
      schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
    } catch (error) {
      throw new Error(`schema ${schemaFile}: ${(error as Error).message}`);
    }
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    let validate: ReturnType<Ajv2020['compile']>;
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new Error(`schema ${schemaFile} does not compile: ${(error as Error).message}`);
    }
    schemaCheck = (document) =>
      validate(document)
        ? []
        : (validate.errors ?? []).map((e) => `schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  }
  return (document) => [...schemaCheck(document), ...missingKeys(document, requiredKeys)];
}

function missingKeys(document: unknown, keys: string[]): string[] {
  return keys
    .filter((key) => {
      let node: unknown = document;
      for (const part of key.split('.')) {
        if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return true;
        node = (node as Record<string, unknown>)[part];
      }
      return node === undefined || node === null;
    })
    .map((key) => `required key ${key} is missing`);
}
