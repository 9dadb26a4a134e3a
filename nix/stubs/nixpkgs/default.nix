# `import nixpkgs { system; overlays; }` of the stand-in. Every package is a
# derivation that builds nothing useful; each keeps the arguments it was made
# with in `stubArgs` (and its string arguments in the .drv) so that
# ci/suite-nix.sh can assert on how the flake calls it.
{
  system,
  overlays ? [ ],
}:
let
  lib = import ./lib.nix;
  mkDerivation =
    args:
    let
      name = args.name or "${args.pname}-${args.version}";
      drv = derivation (
        lib.filterAttrs (_: builtins.isString) args
        // {
          inherit name system;
          builder = "/bin/sh";
          args = [
            "-c"
            "echo stub > $out"
          ];
        }
      );
    in
    drv
    // (args.passthru or { })
    // {
      stubArgs = args;
      meta = args.meta or { };
    };
  tool =
    name:
    mkDerivation {
      inherit name;
      meta.mainProgram = name;
    };
  python3Packages = lib.genAttrs [ "hypothesis" "maturin" "mypy" "pytest" "pytest-timeout" ] tool // {
    buildPythonPackage = mkDerivation;
  };
  base = _final: {
    inherit lib;
    stdenv = {
      inherit mkDerivation;
      hostPlatform.isLinux = builtins.match ".*-linux" system != null;
    };
    mkShell = args: mkDerivation (args // { name = args.name or "shell"; });
    writeShellApplication =
      args:
      mkDerivation (
        args
        // {
          meta.mainProgram = args.name;
        }
      );
    python3 = tool "python3" // {
      withPackages =
        f:
        mkDerivation {
          name = "python3-env";
          packages = f python3Packages;
        };
    };
    inherit python3Packages;
    maven = tool "maven" // {
      buildMavenPackage = mkDerivation;
    };
    makeRustPlatform =
      { cargo, rustc }:
      {
        cargoSetupHook = tool "cargo-setup-hook";
        maturinBuildHook = tool "maturin-build-hook";
        importCargoLock =
          { lockFile }:
          mkDerivation {
            name = "cargo-vendor";
            lockFile = builtins.readFile lockFile;
            toolchain = [
              cargo
              rustc
            ];
          };
      };
  }
  // lib.genAttrs [
    "actionlint"
    "cargo-nextest"
    "check-jsonschema"
    "deadnix"
    "git"
    "go"
    "jdk17"
    "ruff"
    "shellcheck"
    "swift"
    "zizmor"
  ] tool;
in
lib.applyOverlays base overlays
