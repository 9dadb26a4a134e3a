# The sources derivations build from: only what they read, so that editing
# the docs rebuilds nothing.
let
  root = toString ../.;
  relative = path: builtins.substring (builtins.stringLength root + 1) (-1) (toString path);
  hasPrefix = prefix: s: builtins.substring 0 (builtins.stringLength prefix) s == prefix;
  buildOutputs = [
    "target"
    ".venv"
    ".tools"
    "result"
    "__pycache__"
  ];
  # The files at or below the given paths (relative to the repository root;
  # "" for all of it), and the folders on the way to them.
  sourceOf =
    name: paths:
    builtins.path {
      inherit name;
      path = ../.;
      filter =
        path: _type:
        let
          rel = relative path;
        in
        !(builtins.elem (baseNameOf path) buildOutputs)
        && rel != ".git"
        && builtins.any (p: p == "" || rel == p || hasPrefix "${p}/" rel || hasPrefix "${rel}/" p) paths;
    };
  rustPaths = [
    ".config"
    "Cargo.lock"
    "Cargo.toml"
    "bindings"
    "ci"
    "core"
    "python"
    "rust-toolchain.toml"
    "rustfmt.toml"
    # tests/conformance/rust is a member of the workspace.
    "tests"
  ];
  # Every Cargo.lock of the repository: the workspace's and those of the
  # workspaces it leaves out (core/fuzz, the benchmark's wrapper), which the
  # lint suite's clippy also builds.
  cargoLocksIn =
    dir:
    let
      entries = builtins.readDir dir;
      here = if entries ? "Cargo.lock" then [ (dir + "/Cargo.lock") ] else [ ];
      subdirs = builtins.filter (
        n: entries.${n} == "directory" && !(builtins.elem n buildOutputs) && n != ".git"
      ) (builtins.attrNames entries);
    in
    here ++ builtins.concatMap (n: cargoLocksIn (dir + "/${n}")) subdirs;
in
{
  # The Cargo workspace, the Python package and the ci/ scripts that test them.
  rust = sourceOf "v-queue-rust-source" rustPaths;
  # The same and the script that builds the UniFFI library and the Kotlin
  # bindings (the one the Maven build runs).
  ffi = sourceOf "v-queue-ffi-source" (rustPaths ++ [ "kotlin/scripts" ]);
  # The Maven project of the Kotlin SDK.
  kotlin = builtins.path {
    name = "v-queue-kotlin-source";
    path = ../kotlin;
    filter = path: _type: !(builtins.elem (baseNameOf path) buildOutputs);
  };
  # Everything the lint suite reads.
  all = sourceOf "v-queue-source" [ "" ];
  cargoLocks = cargoLocksIn ../.;
}
