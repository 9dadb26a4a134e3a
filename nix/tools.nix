# What ci/test.sh needs: the toolchains of every suite and the linters.
{ pkgs, toolchain }:
let
  linters = [
    pkgs.actionlint
    pkgs.check-jsonschema
    pkgs.deadnix
    pkgs.ruff
    pkgs.shellcheck
    pkgs.zizmor
  ];
in
{
  inherit linters;
  all = [
    toolchain
    pkgs.cargo-nextest
    (pkgs.python3.withPackages (ps: [
      ps.maturin
      ps.pytest
      ps.pytest-timeout
      ps.hypothesis
      ps.mypy
    ]))
    pkgs.jdk17
    pkgs.maven
    pkgs.go
    pkgs.git
  ]
  ++ linters
  ++ pkgs.lib.optionals pkgs.stdenv.hostPlatform.isLinux [ pkgs.swift ];
}
