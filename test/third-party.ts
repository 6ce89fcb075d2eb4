// Locates the real third-party test files fetched by test/fetch-third-party-fixtures.sh (Debian's
// python3-pydicom and python3-nibabel packages, extracted under test/.cache/third-party).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const THIRD_PARTY_DIR = resolve(import.meta.dirname, '.cache/third-party');
const DIST = join(THIRD_PARTY_DIR, 'usr/lib/python3/dist-packages');

function locate(dir: string, file: string): string {
  if (!existsSync(join(THIRD_PARTY_DIR, '.complete'))) {
    throw new Error(`Third-party test files are missing: run test/fetch-third-party-fixtures.sh (as root) to fetch them into ${THIRD_PARTY_DIR}`);
  }
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${path} not found: re-run test/fetch-third-party-fixtures.sh after removing test/.cache`);
  return path;
}

/** A file from pydicom's data/test_files, e.g. pydicomFile('CT_small.dcm'). */
export function pydicomFile(name: string): string {
  return locate(join(DIST, 'pydicom/data/test_files'), name);
}

/** A file from nibabel's tests/data, e.g. nibabelFile('example4d.nii.gz'). */
export function nibabelFile(name: string): string {
  return locate(join(DIST, 'nibabel/tests/data'), name);
}
