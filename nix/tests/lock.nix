# Assertions on flake.lock that need no network: it locks exactly the inputs
# flake.nix declares, each to a full commit of the repository its URL names,
# with the hash and date a fetch checks, and rust-overlay follows nixpkgs.
# Returns how many assertions hold and the names of those that do not.
let
  lock = builtins.fromJSON (builtins.readFile ../../flake.lock);
  inherit ((import ../../flake.nix)) inputs;
  urlOf = input: if builtins.isString input then input else input.url;
  isSha1 = s: builtins.match "[0-9a-f]{40}" s != null;
  isNarHash = s: builtins.match "sha256-[A-Za-z0-9+/]{43}=" s != null;
  nodeAssertions =
    name:
    let
      node = lock.nodes.${lock.nodes.root.inputs.${name}};
      url = builtins.match "github:([^/]+)/([^/]+)(/(.*))?" (urlOf inputs.${name});
      ref = builtins.elemAt url 3;
      checks = {
        "github URL" = url != null;
        "owner and repo" =
          node.locked.type == "github"
          && node.locked.owner == builtins.elemAt url 0
          && node.locked.repo == builtins.elemAt url 1
          && node.original.owner == builtins.elemAt url 0
          && node.original.repo == builtins.elemAt url 1;
        "ref as in flake.nix" = (node.original.ref or null) == ref;
        "rev is a full commit" = isSha1 node.locked.rev;
        "narHash" = isNarHash node.locked.narHash;
        "lastModified" = builtins.isInt node.locked.lastModified && node.locked.lastModified > 1700000000;
      };
    in
    builtins.listToAttrs (
      map (c: {
        name = "flake.lock ${name}: ${c}";
        value = checks.${c};
      }) (builtins.attrNames checks)
    );
  all =
    {
      "flake.lock: version 7" = lock.version == 7;
      "flake.lock: root inputs are those of flake.nix" =
        builtins.attrNames lock.nodes.root.inputs == builtins.attrNames inputs;
      "flake.lock: rust-overlay follows nixpkgs" =
        lock.nodes.${lock.nodes.root.inputs.rust-overlay}.inputs.nixpkgs == [ "nixpkgs" ];
    }
    // builtins.foldl' (acc: name: acc // nodeAssertions name) { } (builtins.attrNames inputs);
  failed = builtins.filter (name: !all.${name}) (builtins.attrNames all);
in
{
  inherit failed;
  passed = builtins.length (builtins.attrNames all) - builtins.length failed;
}
