# The Cargo workspace with crane: one derivation of the dependencies, shared
# by the vqueue command and the checks.
{
  pkgs,
  craneLib,
  version,
  src,
}:
let
  commonArgs = {
    inherit src version;
    pname = "v-queue";
    strictDeps = true;
    # The build script of the Python extension crate (pyo3) looks for an interpreter.
    nativeBuildInputs = [ pkgs.python3 ];
    cargoExtraArgs = "--locked --workspace";
  };
  cargoArtifacts = craneLib.buildDepsOnly commonArgs;
in
{
  inherit commonArgs cargoArtifacts;

  # The suites run cargo with its default (dev) profile, so their checks start
  # from dependencies built with that profile.
  devArtifacts = craneLib.buildDepsOnly (commonArgs // { CARGO_PROFILE = "dev"; });

  vqueue = craneLib.buildPackage (
    commonArgs
    // {
      inherit cargoArtifacts;
      pname = "vqueue";
      cargoExtraArgs = "--locked --package vqueue-cli";
      # The tests run once, in the nextest check.
      doCheck = false;
      meta.mainProgram = "vqueue";
    }
  );

  clippy = craneLib.cargoClippy (
    commonArgs
    // {
      inherit cargoArtifacts;
      cargoClippyExtraArgs = "--all-targets -- --deny warnings";
    }
  );

  rustfmt = craneLib.cargoFmt { inherit src version; pname = "v-queue"; };
}
