// Validation against schemas/experiment.schema.json, with ajv. The schema's
// custom `unit` keyword calls the parsers in units.ts, so a bad unit is
// explained by the same code that later converts it, and its bounds are
// written in the units a file uses. `notImplemented` only annotates: it
// names values the schema leaves out for now and says why (validate.ts
// words their errors with it).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv';
import { unitParser, type UnitRule } from './units.js';
import { packagePath } from '../package-root.js';

let compiled: ValidateFunction | undefined;

type KeywordCheck = ReturnType<NonNullable<FuncKeywordDefinition['compile']>>;

function unitValidator(rule: UnitRule): KeywordCheck {
  const parse = unitParser(rule);
  const check: KeywordCheck = (data: unknown) => {
    const parsed = parse(data);
    check.errors = parsed.ok ? [] : [{ keyword: 'unit', message: parsed.reason, params: {} }];
    return parsed.ok;
  };
  return check;
}

let schema: Record<string, any> | undefined;

/** schemas/experiment.schema.json, parsed once: every parameter's one declaration. */
export function experimentSchema(): Record<string, any> {
  schema ??= JSON.parse(readFileSync(packagePath('schemas/experiment.schema.json'), 'utf8')) as Record<string, any>;
  return schema;
}

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // verbose: an error carries its schema, where validate.ts finds `notImplemented`.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
  ajv.addKeyword({ keyword: 'unit', schemaType: ['string', 'object'], errors: true, compile: unitValidator });
  ajv.addKeyword({ keyword: 'notImplemented', schemaType: 'object' });
  compiled = ajv.compile(experimentSchema());
  return compiled;
}

/** The raw ajv errors for `data`; empty when valid. */
export function schemaErrors(data: unknown): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
