# Stand-in for rust-overlay in ci/suite-nix.sh: `rust-bin.fromRustupToolchainFile`
# gives a derivation that records the channel and components of the file.
{
  inputs.nixpkgs.url = "path:../nixpkgs";

  outputs = _: {
    overlays.default = final: _prev: {
      rust-bin.fromRustupToolchainFile =
        file:
        let
          inherit ((builtins.fromTOML (builtins.readFile file)).toolchain) channel components;
        in
        final.stdenv.mkDerivation {
          pname = "rust-toolchain";
          version = channel;
          inherit channel components;
        };
    };
  };
}
