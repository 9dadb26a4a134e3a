# Stand-in for crane in ci/suite-nix.sh: `mkLib pkgs` with the builders the
# flake calls. Each returns a derivation that records which builder made it
# (`craneFunction`) and with which toolchain (`craneToolchain`).
{
  outputs = _: {
    mkLib =
      pkgs:
      let
        libWith =
          toolchain:
          let
            builder =
              function: args:
              pkgs.stdenv.mkDerivation (
                args
                // {
                  pname = "${args.pname}${args.pnameSuffix or ""}";
                  passthru = (args.passthru or { }) // {
                    craneFunction = function;
                    craneToolchain = toolchain;
                  };
                }
              );
          in
          {
            overrideToolchain = f: libWith (f pkgs);
            buildDepsOnly = builder "buildDepsOnly";
            buildPackage = builder "buildPackage";
            mkCargoDerivation = builder "mkCargoDerivation";
            cargoClippy = builder "cargoClippy";
            cargoFmt = builder "cargoFmt";
            vendorMultipleCargoDeps =
              args:
              pkgs.stdenv.mkDerivation {
                name = "vendor-cargo-deps";
                lockFiles = map builtins.readFile args.cargoLockList;
                passthru.craneFunction = "vendorMultipleCargoDeps";
              };
          };
      in
      libWith null;
  };
}
