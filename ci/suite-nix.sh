#!/usr/bin/env bash
# Nix suite: what can be checked of flake.nix without the network.
#   1. every .nix file parses;
#   2. flake.lock locks exactly the inputs of flake.nix, well-formed
#      (nix/tests/lock.nix);
#   3. `nix flake check --no-build` on all four systems, with nixpkgs, crane
#      and rust-overlay replaced by the stand-ins of nix/stubs (the real
#      inputs cannot be fetched here);
#   4. assertions on the outputs (nix/tests/outputs.nix): check names per
#      system, toolchain, nextest profile, dev-shell tools, what each app runs.
# Building the packages and running the checks needs the real inputs: that is
# the nix job of .github/workflows/ci.yml.
#
# Uses Debian's nix-bin (single-user), installed when missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v nix >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "--> apt-get install nix-bin"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin >/dev/null
    else
        echo "SKIPPED nix: nix not on PATH and apt-get not usable to install it"
        exit 0
    fi
fi
nix --version

# No binary cache (nothing is built, and none is reachable); the Debian
# package's build-users group may not exist.
export NIX_CONFIG="experimental-features = nix-command flakes
substituters =
build-users-group =
sandbox = false
warn-dirty = false"

mapfile -t nix_files < <(git ls-files --cached --others --exclude-standard '*.nix')
echo "--> parse ${#nix_files[@]} .nix files"
for f in "${nix_files[@]}"; do
    nix-instantiate --parse "$f" >/dev/null
done

# Assertion files evaluate to { passed = N; failed = [ names ]; }.
passed=0
failed=0
assertions() {
    local what=$1 expr=$2 result p f
    result=$(nix eval --impure --raw --expr \
        "let r = $expr; in \"\${toString r.passed} \${toString (builtins.length r.failed)} \${builtins.concatStringsSep \"; \" r.failed}\"")
    read -r p f _ <<<"$result"
    echo "--> $what: $p hold, $f do not${result#"$p $f"}"
    passed=$(( passed + p ))
    failed=$(( failed + f ))
}

assertions "flake.lock (nix/tests/lock.nix)" "import $PWD/nix/tests/lock.nix"

# A copy of the tracked files (no target/), whose lock points at the stubs.
copy=$(mktemp -d -t vqueue-flake.XXXXXX)
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard | tar -c --null -T - | tar -x -C "$copy"
flake="path:$copy"
echo "--> nix flake lock with nix/stubs as nixpkgs, crane and rust-overlay"
nix flake lock --quiet \
    --override-input nixpkgs "path:$copy/nix/stubs/nixpkgs" \
    --override-input crane "path:$copy/nix/stubs/crane" \
    --override-input rust-overlay "path:$copy/nix/stubs/rust-overlay" \
    "$flake" >"$copy/lock.log" 2>&1 || { cat "$copy/lock.log"; exit 1; }

echo "--> nix flake check --no-build (every system)"
all_systems=()
# Newer Nix checks only the current system unless told otherwise.
if nix flake check --help 2>/dev/null | grep -q -- '--all-systems'; then
    all_systems=(--all-systems)
fi
nix flake check --no-build "${all_systems[@]}" "$flake"

assertions "outputs (nix/tests/outputs.nix)" "import $copy/nix/tests/outputs.nix (builtins.getFlake \"$flake\")"

# This suite has no test runner of its own: the plain summary line.
echo "nix: $passed passed, $failed failed"
(( failed == 0 ))
