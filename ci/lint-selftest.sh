#!/usr/bin/env bash
# shellcheck disable=SC2016  # the seeds write `$` and `${{ }}` literally
# Shows that the lint suite can fail: for each linter, a scratch copy of the
# files it reads passes, then the same copy with one seeded mistake must make
# that linter fail. Uses the linters installed by ci/suite-lint.sh.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=ci/lint.sh
source ci/lint.sh
lint_path

scratch=$(mktemp -d -t vqueue-lint-selftest.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# A copy of the files every linter reads except the Rust workspace, which is
# replaced by a one-file crate with the same rustfmt settings and a feature,
# plus a second workspace in fuzz/ (as core/fuzz is): clippy on the whole
# workspace twice would double the suite's time for nothing.
fresh_copy() {
    rm -rf "$scratch/tree"
    mkdir -p "$scratch/tree/python" "$scratch/tree/.ci" "$scratch/tree/src" "$scratch/tree/fuzz/src"
    cp -r .github ci nix flake.nix rustfmt.toml rust-toolchain.toml "$scratch/tree/"
    cp .ci/run "$scratch/tree/.ci/"
    cp python/pyproject.toml "$scratch/tree/python/"
    cp -r python/vqueue "$scratch/tree/python/"
    # The root crate has a feature and leaves fuzz/ out; fuzz/ is a workspace of its own.
    printf '%s\n' '[package]' 'name = "lint-selftest"' 'version = "0.0.0"' 'edition = "2021"' 'publish = false' '' \
        '[features]' 'extra = []' '' '[workspace]' 'exclude = ["fuzz"]' >"$scratch/tree/Cargo.toml"
    printf '%s\n' '[package]' 'name = "lint-selftest-fuzz"' 'version = "0.0.0"' 'edition = "2021"' 'publish = false' '' \
        '[workspace]' >"$scratch/tree/fuzz/Cargo.toml"
    local src
    for src in src fuzz/src; do
        printf '%s\n' '/// Adds one.' 'pub fn add_one(x: u32) -> u32 {' '    x + 1' '}' >"$scratch/tree/$src/lib.rs"
    done
}

# Each seed edits the copy in $1 so that exactly the named linter has
# something to report.
seed_actionlint() { # a matrix value no matrix defines
    printf '%s\n' 'name: seed' 'on: push' 'permissions: {}' 'jobs:' '  j:' '    runs-on: ubuntu-latest' \
        '    steps:' '      - run: echo "$X"' '        env:' '          X: ${{ matrix.nothing }}' \
        >"$1/.github/workflows/seed.yml"
}
seed_zizmor() { # a pull request's title expanded inside a script
    printf '%s\n' 'name: seed' 'on: pull_request' 'permissions: {}' 'jobs:' '  j:' '    runs-on: ubuntu-latest' \
        '    steps:' '      - run: echo "${{ github.event.pull_request.title }}"' >"$1/.github/workflows/seed.yml"
}
seed_workflow_schema() { # a job key the schema does not know
    printf '%s\n' 'name: seed' 'on: push' 'permissions: {}' 'jobs:' '  j:' '    runs-on: ubuntu-latest' \
        '    stepz: []' >"$1/.github/workflows/seed.yml"
}
seed_shell() { # an unquoted expansion
    printf '%s\n' '#!/usr/bin/env bash' 'rm -rf $1/tmp' >"$1/ci/seed.sh"
}
seed_nix() { # an unused binding
    printf '%s\n' 'let unused = 1; in { }' >"$1/nix/seed.nix"
}
seed_rustfmt() { # a function squeezed on one line
    printf '%s\n' '/// Adds two.' 'pub fn add_two(x: u32) -> u32 { x+2 }' >>"$1/src/lib.rs"
}
seed_rustfmt_workspace() { # the same, in the workspace the root one leaves out
    seed_rustfmt "$1/fuzz"
}
seed_clippy() { # a comparison of a value with itself
    printf '%s\n' '/// Always true.' 'pub fn same(x: u32) -> bool {' '    x == x' '}' >>"$1/src/lib.rs"
}
seed_clippy_feature() { # the same, only built with a feature
    printf '%s\n' '#[cfg(feature = "extra")]' >>"$1/src/lib.rs"
    seed_clippy "$1"
}
seed_clippy_default() { # the same, only built without the feature
    printf '%s\n' '#[cfg(not(feature = "extra"))]' >>"$1/src/lib.rs"
    seed_clippy "$1"
}
seed_clippy_workspace() { # the same, in the workspace the root one leaves out
    seed_clippy "$1/fuzz"
}
seed_ruff() { # an unused import
    printf '%s\n' 'import os' >>"$1/python/vqueue/errors.py"
}

# The seeds: one per linter, named as it is, and those named LINTER_WHAT
# showing that the linter reaches every place such files are.
SEEDS=("${LINTS[@]}" rustfmt_workspace clippy_feature clippy_default clippy_workspace)

# What each linter must say about its seed, so that a failure for another
# reason (a crash, a missing file) does not count.
declare -A EXPECT=(
    [actionlint]='"nothing" is not defined'
    [zizmor]='template-injection'
    [workflow_schema]='stepz'
    [shell]='SC2086'
    [nix]='Unused declarations'
    [rustfmt]='Diff in'
    [clippy]='eq_op'
    [ruff]='F401'
)

export CARGO_TARGET_DIR=$scratch/target
failed=()
for seed in "${SEEDS[@]}"; do
    lint=${seed%%_*}
    [[ -n ${EXPECT[$lint]:-} ]] || lint=$seed
    fresh_copy
    if ! "lint_$lint" "$scratch/tree" >"$scratch/clean.log" 2>&1; then
        echo "selftest $seed: the clean copy already fails:"
        cat "$scratch/clean.log"
        failed+=("$seed")
        continue
    fi
    "seed_$seed" "$scratch/tree"
    if "lint_$lint" "$scratch/tree" >"$scratch/seeded.log" 2>&1; then
        echo "selftest $seed: the seeded mistake was NOT reported"
        failed+=("$seed")
    elif ! grep -qF -- "${EXPECT[$lint]}" "$scratch/seeded.log"; then
        echo "selftest $seed: failed without reporting '${EXPECT[$lint]}':"
        cat "$scratch/seeded.log"
        failed+=("$seed")
    else
        echo "selftest $seed: seeded mistake reported (${EXPECT[$lint]})"
    fi
done

if (( ${#failed[@]} )); then
    echo "lint selftest: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint selftest: ${#SEEDS[@]} of ${#SEEDS[@]} seeded mistakes reported (${#LINTS[@]} linters)"
