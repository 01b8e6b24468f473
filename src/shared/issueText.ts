// Schema failures in words a user reads: zod's issue codes ("too_small", "invalid_type", …) turned
// into a sentence that names the field by its glossary label ("Name is required.", "Learning rate
// must be greater than 0."), instead of "Too small: expected string to have >=1 characters".
import { flatFieldLabel } from './glossary';

/** The parts of a zod (v4) issue the sentences use; other codes fall back to the issue's message. */
export interface SchemaIssue {
  code: string;
  message: string;
  path?: readonly PropertyKey[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  input?: unknown;
  values?: readonly unknown[];
  keys?: readonly string[];
  format?: string;
  divisor?: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const list = (xs: readonly unknown[]) => xs.map((x) => (typeof x === 'string' ? `“${x}”` : String(x))).join(', ');

/** Whether zod wrote the message itself (then it is replaced) or the schema's author did (kept). */
function isZodDefault(message: string): boolean {
  return /^(Too (small|big)|Invalid|Expected|Unrecognized key|Number must|String must|Array must|Required)/i.test(message);
}

/** One sentence for a schema issue at `path` (a formatted spec path such as `teacher.hidden`). */
export function issueSentence(issue: SchemaIssue, path: string): string {
  const label = flatFieldLabel(path); // "Hidden layer widths, item 2" for model.hidden[1]
  const min = issue.minimum === undefined ? NaN : Number(issue.minimum);
  const max = issue.maximum === undefined ? NaN : Number(issue.maximum);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') return min <= 1 ? `${label} is required.` : `${label} needs at least ${plural(min, 'character', 'characters')}.`;
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? `${label} needs at least one entry.` : `${label} needs at least ${plural(min, 'entry', 'entries')}.`;
      return issue.inclusive === false ? `${label} must be greater than ${min}.` : `${label} must be at least ${min}.`;
    case 'too_big':
      if (issue.origin === 'string') return `${label} can have at most ${plural(max, 'character', 'characters')}.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `${label} can have at most ${plural(max, 'entry', 'entries')}.`;
      return issue.inclusive === false ? `${label} must be less than ${max}.` : `${label} must be at most ${max}.`;
    case 'invalid_type':
      // zod leaves `input` out of issues unless asked; its message says what it received
      if (('input' in issue && (issue.input === undefined || issue.input === null || issue.input === '')) || /received (undefined|null)\b/.test(issue.message)) return `${label} is required.`;
      if (issue.expected === 'int') return `${label} must be a whole number.`;
      if (issue.expected === 'number') return `${label} must be a number.`;
      if (issue.expected === 'array') return `${label} must be a list.`;
      if (issue.expected === 'string') return `${label} must be text.`;
      if (issue.expected === 'boolean') return `${label} must be on or off.`;
      return `${label} has the wrong kind of value.`;
    case 'invalid_value':
      return issue.values && issue.values.length ? `${label} must be one of ${list(issue.values)}.` : `${label} has a value Whittle does not know.`;
    case 'invalid_union':
      return `${label} is not one of the accepted forms.`;
    case 'not_multiple_of':
      return `${label} must be a multiple of ${issue.divisor}.`;
    case 'unrecognized_keys':
      return `${label} has ${issue.keys && issue.keys.length > 1 ? 'settings' : 'a setting'} Whittle does not know: ${list(issue.keys ?? [])}.`;
    case 'invalid_format':
      return isZodDefault(issue.message) ? `${label} is not in the expected format.` : `${label}: ${issue.message}`;
    default:
      return isZodDefault(issue.message) ? `${label} is not valid.` : `${label}: ${issue.message}`;
  }
}
