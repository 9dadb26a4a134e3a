# Everything the flake exposes for one system. The Rust toolchain is the one
# of rust-toolchain.toml, so Nix and non-Nix builds use the same compiler.
{ pkgs, crane }:
let
  toolchainOf = p: p.rust-bin.fromRustupToolchainFile ../rust-toolchain.toml;
  toolchain = toolchainOf pkgs;
  craneLib = (crane.mkLib pkgs).overrideToolchain toolchainOf;
  source = import ./source.nix;
  inherit ((builtins.fromTOML (builtins.readFile ../Cargo.toml)).workspace.package) version;

  rust = import ./rust.nix {
    inherit pkgs craneLib version;
    src = source.rust;
    ffiSrc = source.ffi;
  };
  kotlin = import ./kotlin.nix {
    inherit pkgs version;
    src = source.kotlin;
    ffi = rust.vqueue-ffi;
  };
  python = import ./python.nix {
    inherit pkgs toolchain version;
    src = source.rust;
  };
  tools = import ./tools.nix { inherit pkgs toolchain; };
  suiteCheck = import ./suite-check.nix { inherit pkgs craneLib; };
in
{
  packages = {
    inherit (rust) vqueue vqueue-ffi;
    inherit kotlin;
    python = python.package;
    default = rust.vqueue;
  };

  checks = {
    inherit (rust) clippy rustfmt;
    nextest = suiteCheck.cargo "rust" (
      rust.commonArgs
      // {
        cargoArtifacts = rust.devArtifacts;
        nativeBuildInputs = rust.commonArgs.nativeBuildInputs ++ [ pkgs.cargo-nextest ];
        # The profile ci/suite-rust.sh selects, stated where Nix users look.
        env.NEXTEST_PROFILE = "ci";
      }
    );
    python = suiteCheck.plain "python" {
      src = source.rust;
      nativeBuildInputs = [ python.testEnv ];
      # Test the package built above instead of building one with pip, and
      # compare its entry points with the vqueue command built above.
      env.VQUEUE_PYTHON_INSTALLED = "1";
      env.VQUEUE_CLI = "${rust.vqueue}/bin/vqueue";
    };
    lint = suiteCheck.cargo "lint" (
      rust.commonArgs
      // {
        src = source.all;
        cargoArtifacts = rust.devArtifacts;
        # clippy also builds the workspaces with lock files of their own.
        cargoVendorDir = craneLib.vendorMultipleCargoDeps { cargoLockList = source.cargoLocks; };
        nativeBuildInputs = rust.commonArgs.nativeBuildInputs ++ tools.linters;
        env.LINT_TOOLS = "path";
      }
    );
  };

  devShells.default = pkgs.mkShell {
    name = "v-queue";
    packages = tools.all;
    # ci/suite-lint.sh takes the linters of this shell instead of installing its own.
    LINT_TOOLS = "path";
  };

  apps = import ./apps.nix {
    inherit pkgs;
    tools = tools.all;
  };
}
