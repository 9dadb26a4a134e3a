# The part of nixpkgs' lib the flake and the stubs use, same names and meaning.
rec {
  genAttrs =
    names: f:
    builtins.listToAttrs (
      map (name: {
        inherit name;
        value = f name;
      }) names
    );
  inherit (builtins) mapAttrs;
  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  optionals = cond: list: if cond then list else [ ];
  filterAttrs = pred: set: builtins.removeAttrs set (builtins.filter (n: !pred n set.${n}) (builtins.attrNames set));
  fix =
    f:
    let
      x = f x;
    in
    x;
  extends =
    overlay: f: final:
    let
      prev = f final;
    in
    prev // overlay final prev;
  applyOverlays = base: overlays: fix (builtins.foldl' (f: overlay: extends overlay f) base overlays);
}
