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
local_repo=$(mvn -B -ntp -q help:evaluate -Dexpression=settings.localRepository -DforceStdout)
rm -rf "$local_repo/dev/vqueue/vqueue"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$local_repo/dev/vqueue/vqueue"' EXIT

mvn -B -ntp -q install:install-file -Dfile="$jar" -DpomFile="$sdk/pom.xml" -DlocalRepositoryPath="$tmp/repo"
"$@" -Dsdk.repo="file://$tmp/repo"
