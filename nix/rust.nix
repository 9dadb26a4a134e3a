# The Cargo workspace with crane: one derivation of the dependencies, shared
# by the vqueue command and the checks.
{
  pkgs,
  craneLib,
  version,
  src,
  ffiSrc,
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

  # The UniFFI library (cdylib and staticlib, lib/) and the Kotlin bindings
  # generated from it (share/vqueue-ffi/kotlin: src/ and native/<JNA prefix>/),
  # made by the script the Maven build runs.
  vqueue-ffi = craneLib.mkCargoDerivation (
    commonArgs
    // {
      inherit cargoArtifacts;
      pname = "vqueue-ffi";
      src = ffiSrc;
      buildPhaseCargoCommand = ''bash kotlin/scripts/native.sh "$TMPDIR/uniffi"'';
      installPhaseCommand = ''
        mkdir -p "$out/lib" "$out/share/vqueue-ffi"
        for lib in target/release/libvqueue_ffi.{a,so,dylib}; do
          if [[ -e $lib ]]; then cp "$lib" "$out/lib/"; fi
        done
        cp -r "$TMPDIR/uniffi" "$out/share/vqueue-ffi/kotlin"
      '';
      doInstallCargoArtifacts = false;
    }
  );

  # Every feature (vqueue-cli's bridge); the lint check also runs clippy with
  # the default features and on the workspaces left out of this one.
  clippy = craneLib.cargoClippy (
    commonArgs
    // {
      inherit cargoArtifacts;
      cargoClippyExtraArgs = "--all-targets --all-features -- --deny warnings";
    }
  );

  rustfmt = craneLib.cargoFmt { inherit src version; pname = "v-queue"; };
}
