# `nix run .#demo` and `nix run .#test-SUITE`: the ci/ scripts of the checkout
# in the current directory, with the dev shell's tools on PATH.
{ pkgs, tools }:
let
  # The suite names, read from the SUITES=(...) line of ci/test.sh, where they are defined.
  suites =
    let
      lines = builtins.filter builtins.isString (builtins.split "\n" (builtins.readFile ../ci/test.sh));
      lists = builtins.filter (m: m != null) (map (builtins.match "SUITES=\\(([a-z ]+)\\)") lines);
    in
    builtins.filter (s: builtins.isString s && s != "") (builtins.split " " (builtins.head (builtins.head lists)));
  app = name: command: {
    type = "app";
    program = "${
      pkgs.writeShellApplication {
        name = "v-queue-${name}";
        runtimeInputs = tools;
        text = ''
          if [[ ! -f ci/test.sh ]]; then
            echo "v-queue-${name}: run it from the root of a v-queue checkout" >&2
            exit 2
          fi
          exec bash ${command} "$@"
        '';
      }
    }/bin/v-queue-${name}";
  };
in
{
  demo = app "demo" "ci/demo.sh";
}
// builtins.listToAttrs (
  map (suite: {
    name = "test-${suite}";
    value = app "test-${suite}" "ci/test.sh ${suite}";
  }) suites
)
