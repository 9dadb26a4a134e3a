# The sources derivations build from: only what they read, so that editing
# the docs rebuilds nothing.
let
  root = toString ../.;
  # First component of a path below the repository root.
  topLevel =
    path:
    let
      rel = toString path;
    in
    builtins.head (builtins.split "/" (builtins.substring (builtins.stringLength root + 1) (builtins.stringLength rel) rel));
  buildOutputs = [
    "target"
    ".venv"
    ".tools"
    "result"
    "__pycache__"
  ];
  sourceOf =
    name: keep:
    builtins.path {
      inherit name;
      path = ../.;
      filter = path: _type: keep (topLevel path) && !(builtins.elem (baseNameOf path) buildOutputs);
    };
in
{
  # The Cargo workspace, the Python package and the ci/ scripts that test them.
  rust = sourceOf "v-queue-rust-source" (
    top:
    builtins.elem top [
      ".config"
      "Cargo.lock"
      "Cargo.toml"
      "bindings"
      "ci"
      "core"
      "python"
      "rust-toolchain.toml"
      "rustfmt.toml"
    ]
  );
  # Everything the lint suite reads.
  all = sourceOf "v-queue-source" (top: top != ".git");
}
