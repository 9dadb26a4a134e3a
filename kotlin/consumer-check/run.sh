#!/usr/bin/env bash
# Builds and runs this project against the packaged SDK jar (kotlin/target)
# in a throw-away repository: the jar and the dependencies its pom declares
# must be all an application needs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/pom.xml" "$here/src" "$tmp/"
# Only the jar's own repository: nothing of the SDK's build is visible here.
bash "$sdk/scripts/with-sdk-repo.sh" "$sdk/target" mvn -B -ntp -q -f "$tmp/pom.xml" compile exec:java
