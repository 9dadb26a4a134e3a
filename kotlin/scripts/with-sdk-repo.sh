#!/usr/bin/env bash
# Runs a Maven command that resolves the SDK from a throw-away repository
# holding only JAR (with kotlin/pom.xml as its pom), passed as -Dsdk.repo:
#   kotlin/scripts/with-sdk-repo.sh JAR mvn -f PROJECT/pom.xml GOALS...
# The project declares `dev.vqueue:vqueue` and a repository at ${sdk.repo}.
set -euo pipefail

jar=${1:?usage: with-sdk-repo.sh JAR MVN-COMMAND...}
shift
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Maven copies what it resolves from the throw-away repository into the
# local one; a copy from an earlier run would shadow the jar given here.
# (Maven 3.8 wraps even this output in colour codes, -B or not.)
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout | sed 's/\x1b\[[0-9;]*m//g')
if [[ ! -d "$local_repo" ]]; then
    echo "with-sdk-repo.sh: no local repository at '$local_repo'" >&2
    exit 1
fi
version=$(basename "$jar" .jar)
cached="$local_repo/dev/vqueue/vqueue/${version#vqueue-}"
rm -rf "$cached"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$cached"' EXIT

mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$sdk/pom.xml" -DlocalRepositoryPath="$tmp/repo"
"$@" -Dsdk.repo="file://$tmp/repo"
