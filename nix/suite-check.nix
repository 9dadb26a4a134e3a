# A check that runs one suite the way people do, `ci/test.sh SUITE`, and
# fails when the suite reports itself skipped: inside Nix a missing tool is a
# mistake in the check's inputs, not a reason to pass.
{ pkgs, craneLib }:
let
  command = suite: ''
    export HOME=$TMPDIR
    bash ci/test.sh ${suite} 2>&1 | tee "$TMPDIR/suite.log"
    if grep -q '^SKIPPED ${suite}:' "$TMPDIR/suite.log"; then
      echo "suite ${suite} was skipped: a tool is missing from this check's inputs"
      exit 1
    fi
  '';
in
{
  # Suites that build the Cargo workspace: vendored crates, shared artifacts.
  cargo =
    suite: args:
    craneLib.mkCargoDerivation (
      args
      // {
        pnameSuffix = "-suite-${suite}";
        buildPhaseCargoCommand = command suite;
        doInstallCargoArtifacts = false;
        passthru.suite = suite;
      }
    );
  plain =
    suite: args:
    pkgs.stdenv.mkDerivation (
      args
      // {
        name = "v-queue-suite-${suite}";
        dontConfigure = true;
        buildPhase = command suite;
        installPhase = "touch $out";
        passthru.suite = suite;
      }
    );
}
