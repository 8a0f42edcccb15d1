// Validation against schemas/experiment.schema.json, with ajv. The schema's
// custom `unit` keyword calls the parsers in units.ts, so a bad unit is
// explained by the same code that later converts it.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { UNIT_FORMATS, type UnitFormat } from './units.js';
import { packagePath } from '../package-root.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  ajv.addKeyword({
    keyword: 'unit',
    schemaType: 'string',
    errors: true,
    validate: function check(this: unknown, unit: UnitFormat, data: unknown) {
      const parsed = UNIT_FORMATS[unit](data);
      (check as { errors?: Partial<ErrorObject>[] }).errors = parsed.ok ? [] : [{ keyword: 'unit', message: parsed.reason, params: { unit } }];
      return parsed.ok;
    },
  });
  const schema = JSON.parse(readFileSync(packagePath('schemas/experiment.schema.json'), 'utf8'));
  compiled = ajv.compile(schema);
  return compiled;
}

/** The raw ajv errors for `data`; empty when valid. */
export function schemaErrors(data: unknown): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
