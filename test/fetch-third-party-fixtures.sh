#!/usr/bin/env bash
# Fetches real files written by other software for the format tests: the DICOM test files shipped in
# Debian's python3-pydicom and the NIfTI test data shipped in python3-nibabel. Idempotent: does nothing
# when test/.cache/third-party is already extracted. Needs root (apt-get) on a Debian/Ubuntu machine.
# test/.cache/ is a cache: never commit it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
debs="$cache/debs"
out="$cache/third-party"
packages=(python3-pydicom python3-nibabel)

if [ -f "$out/.complete" ]; then
  echo "third-party fixtures already in $out"
  exit 0
fi

mkdir -p "$debs"
cd "$debs"
if ! apt-get download "${packages[@]}"; then
  apt-get update
  apt-get download "${packages[@]}"
fi

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
for deb in "$debs"/*.deb; do
  dpkg -x "$deb" "$out.tmp"
done
touch "$out.tmp/.complete"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "third-party fixtures extracted to $out"
