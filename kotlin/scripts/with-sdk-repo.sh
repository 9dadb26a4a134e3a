#!/usr/bin/env bash
# Runs a Maven command that resolves the SDK from a throw-away repository
# holding only the jar built into TARGET (kotlin/pom.xml as its pom):
#   kotlin/scripts/with-sdk-repo.sh TARGET mvn -f PROJECT/pom.xml GOALS...
# The project declares `dev.vqueue:vqueue:${sdk.version}` and a repository
# at ${sdk.repo}; both are passed to the command. The jar is installed under
# a version of its own for this run, so that neither a copy Maven keeps in
# the local repository from an earlier run nor an SDK installed there by
# another build can stand in for it.
set -euo pipefail

target=${1:?usage: with-sdk-repo.sh TARGET MVN-COMMAND...}
shift
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar=
for f in "$target"/vqueue-*.jar; do
    [[ -f $f && $f != *-sources.jar ]] && jar=$f
done
[[ -n $jar ]] || { echo "with-sdk-repo.sh: no vqueue-*.jar in $target: mvn -f kotlin/pom.xml package first" >&2; exit 2; }
# Maven 3.8 wraps even this answer in colour codes, -B or not: strip them.
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout |
    sed 's/\x1b\[[0-9;]*m//g')
if [[ ! -d "$local_repo" ]]; then
    echo "with-sdk-repo.sh: no local repository at '$local_repo'" >&2
    exit 1
fi
version="0.0.0-run-$$-$RANDOM"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$local_repo/dev/vqueue/vqueue/$version"' EXIT

# The SDK's pom with the version changed (its first <version> is its own).
sed "0,/<version>[^<]*<\/version>/s//<version>$version<\/version>/" "$sdk/pom.xml" >"$tmp/pom.xml"
mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$tmp/pom.xml" -DlocalRepositoryPath="$tmp/repo"
"$@" -Dsdk.repo="file://$tmp/repo" -Dsdk.version="$version"
