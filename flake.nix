{
  description = "v-queue: a persistent, file-based message queue (Rust core, Python SDK, the vqueue command)";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    crane.url = "github:ipetkov/crane";
    rust-overlay = {
      url = "github:oxalica/rust-overlay";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      nixpkgs,
      crane,
      rust-overlay,
      ...
    }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      perSystem = nixpkgs.lib.genAttrs systems (
        system:
        import ./nix {
          pkgs = import nixpkgs {
            inherit system;
            overlays = [ rust-overlay.overlays.default ];
          };
          inherit crane;
        }
      );
      output = name: nixpkgs.lib.mapAttrs (_: project: project.${name}) perSystem;
    in
    {
      packages = output "packages";
      checks = output "checks";
      devShells = output "devShells";
      apps = output "apps";
    };
}
