#!/usr/bin/env bash
# Installs the packaged SDK jar (kotlin/target) into a throw-away repository
# and builds and runs this project against it: the jar and the dependencies
# its pom declares must be all an application needs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$here/.."
jar=$(ls "$sdk"/target/vqueue-*.jar | grep -v -- '-sources' | head -1)
# Maven copies what it resolves from $tmp/repo into the local repository; a
# copy from an earlier run would shadow the jar just built.
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout)
rm -rf "$local_repo/dev/vqueue/vqueue"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$local_repo/dev/vqueue/vqueue"' EXIT

mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$sdk/pom.xml" \
    -DlocalRepositoryPath="$tmp/repo"
cp -r "$here/pom.xml" "$here/src" "$tmp/"
# Only the jar's own repository: nothing of the SDK's build is visible here.
mvn -B -ntp -q -f "$tmp/pom.xml" -Dsdk.repo="file://$tmp/repo" compile exec:java
