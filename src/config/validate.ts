// Turns ajv's errors into one clear, located message per problem.
import type { ErrorObject } from 'ajv';
import { schemaErrors } from './schema.js';
import { locate, type SourceFile, type YamlPath } from './source.js';

/** Where in the file an instance path should be reported (sweep points report at the sweep entry). */
export type Locator = (path: YamlPath, key: boolean) => string;

function instancePath(error: ErrorObject): YamlPath {
  if (!error.instancePath) return [];
  return error.instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function dotted(path: YamlPath): string {
  return path.length === 0 ? 'the top level' : path.join('.');
}

const SE_ONLY = ['argv', 'env', 'files', 'stdin'];
const FULL_SYSTEM_ONLY = ['args', 'format', 'cmdline', 'modules'];
const MULTIBOOT_ONLY = ['cmdline', 'modules'];

/** Why a guest is none or several of the three kinds, or mixes their keys (ajv's verbose errors carry the data). */
function guestKindProblem(guest: unknown): string {
  const keys = Object.keys(guest ?? {});
  const kinds = ['program', 'image', 'binary'].filter((k) => keys.includes(k));
  if (kinds.length !== 1)
    return 'guest needs exactly one of "program" (a bundled guest), "image" (a guest image file) or "binary" (a Linux program, SE mode)';
  const list = (keys: string[]) => `guest.${keys.join(', guest.')} ${keys.length > 1 ? 'are' : 'is'}`;
  if (kinds[0] === 'binary')
    return `${list(FULL_SYSTEM_ONLY.filter((k) => keys.includes(k)))} for a bundled program or an image; a Linux program (guest.binary) takes guest.argv and guest.env`;
  const se = SE_ONLY.filter((k) => keys.includes(k));
  if (se.length > 0) return `${list(se)} for a Linux program (guest.binary, SE mode); guest.${kinds[0]} takes guest.args`;
  return `${list(MULTIBOOT_ONLY.filter((k) => keys.includes(k)))} for a kernel image (guest.image with format: multiboot)`;
}

function describe(error: ErrorObject, path: YamlPath): { message: string; at: YamlPath; key: boolean } {
  const where = dotted(path);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { message: `unknown key "${String(p.additionalProperty)}" in ${where}`, at: [...path, String(p.additionalProperty)], key: true };
    case 'required':
      return { message: `${where} is missing the required key "${String(p.missingProperty)}"`, at: path, key: false };
    case 'type':
      return { message: `${where} must be ${String(p.type).replace(',', ' or ')}`, at: path, key: false };
    case 'enum': {
      const notImplemented = (error.parentSchema as { notImplemented?: Record<string, string> }).notImplemented?.[String(error.data)];
      if (notImplemented) return { message: `${where}: ${notImplemented}`, at: path, key: false };
      return { message: `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, at: path, key: false };
    }
    case 'unit':
      return { message: `${where}: ${error.message}`, at: path, key: false };
    case 'pattern':
    case 'maximum':
    case 'minimum':
      // guest.args values are pasted into the guest's "key=value key=value" string.
      if (path[0] === 'guest' && path[1] === 'args' && path.length === 3)
        return {
          message:
            error.keyword === 'pattern'
              ? `${where} must be printable ASCII without spaces: the guest reads its arguments as "key=value key=value"`
              : `${where} is beyond 2^53 and cannot be read back exactly: write it as a string ("...")`,
          at: path,
          key: false,
        };
      return { message: `${where} ${error.message ?? 'is invalid'}`, at: path, key: false };
    case 'propertyNames':
      return { message: `${where} has an invalid key "${String(p.propertyName)}"`, at: [...path, String(p.propertyName)], key: true };
    case 'not':
      // The one `not` of the schema's own: multiboot's keys on another format.
      if (path.length === 1 && path[0] === 'guest')
        return { message: "guest.cmdline and guest.modules are for a multiboot kernel (guest.format: multiboot)", at: path, key: false };
      return { message: `${where} ${error.message ?? 'is invalid'}`, at: path, key: false };
    case 'oneOf':
      if (path.length === 1 && path[0] === 'guest') return { message: guestKindProblem(error.data), at: path, key: false };
      return { message: `${where} must be a list of values or a range {from, to, step} / {from, to, factor}`, at: path, key: false };
    default:
      return { message: `${where} ${error.message ?? 'is invalid'}`, at: path, key: false };
  }
}

/**
 * Validates `data` and returns "file:line:col: message" lines. A oneOf that
 * failed hides the errors of its branches: they explain nothing to a user.
 */
export function validateData(source: SourceFile, data: unknown, locator?: Locator): string[] {
  const errors = schemaErrors(data);
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const shown = errors.filter(
    (e) =>
      e.keyword === 'oneOf' ||
      // `if` only repeats that its `then` failed, which that error says better
      (e.keyword !== 'if' &&
      // propertyNames reports twice: once for the name, once as the pattern under it
      (!(e.keyword === 'pattern' && e.propertyName !== undefined) &&
        !(e.keyword === 'anyOf' && e.schemaPath.includes('propertyNames')) &&
        !oneOfs.some((o) => e.schemaPath.startsWith(o.schemaPath.replace(/\/oneOf$/, '/oneOf/')) && e.instancePath.startsWith(o.instancePath)))),
  );
  const where = locator ?? ((path: YamlPath, key: boolean) => locate(source, path, key));
  const lines = shown.map((e) => {
    const { message, at, key } = describe(e, instancePath(e));
    return `${where(at, key)}: ${message}`;
  });
  return [...new Set(lines)];
}
