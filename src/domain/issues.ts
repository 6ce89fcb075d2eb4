import type { z } from 'zod';

const pathText = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

/** One line per zod issue: the field, what is wrong and, for enums, the allowed values. */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const field = pathText(issue.path) || root || '(root)';
    const where = root && issue.path.length ? `${root}.${field}` : field;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      const got = 'input' in issue && issue.input !== undefined ? ` ${JSON.stringify(issue.input)}` : '';
      return `${where}: invalid value${got}; allowed values: ${issue.values.map(String).join(', ')}`;
    }
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown field(s) ${issue.keys.join(', ')}`;
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `${where}: is required`;
    }
    return `${where}: ${issue.message}`;
  });
}
