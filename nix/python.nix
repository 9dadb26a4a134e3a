# The Python package v-queue-python, built by maturin from the Cargo
# workspace with the crates of Cargo.lock vendored, and the interpreter its
# tests run with.
{
  pkgs,
  toolchain,
  version,
  src,
}:
let
  rustPlatform = pkgs.makeRustPlatform {
    cargo = toolchain;
    rustc = toolchain;
  };
  package = pkgs.python3Packages.buildPythonPackage {
    pname = "v-queue-python";
    inherit version src;
    pyproject = true;
    # pyproject.toml is in python/ and points maturin at the extension crate.
    buildAndTestSubdir = "python";
    cargoDeps = rustPlatform.importCargoLock { lockFile = ../Cargo.lock; };
    nativeBuildInputs = [
      rustPlatform.cargoSetupHook
      rustPlatform.maturinBuildHook
    ];
    pythonImportsCheck = [ "vqueue" ];
  };
in
{
  inherit package;
  testEnv = pkgs.python3.withPackages (ps: [
    package
    ps.pytest
    ps.pytest-timeout
    ps.hypothesis
    ps.mypy
  ]);
}
