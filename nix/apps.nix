# `nix run .#demo` and `nix run .#test-SUITE`: the ci/ scripts of the checkout
# in the current directory, with the dev shell's tools on PATH.
{ pkgs, tools }:
let
  suites = import ./suites.nix;
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
