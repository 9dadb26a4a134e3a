# Stand-in for nixpkgs in ci/suite-nix.sh, where the real one cannot be
# fetched: `lib` and `import nixpkgs { system, overlays }` with the few
# packages and builders the flake uses (see default.nix).
{
  outputs = _: { lib = import ./lib.nix; };
}
