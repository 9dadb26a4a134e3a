# The suite names, read from the SUITES=(...) line of ci/test.sh, where they are defined.
let
  lines = builtins.filter builtins.isString (builtins.split "\n" (builtins.readFile ../ci/test.sh));
  lists = builtins.filter (m: m != null) (map (builtins.match "SUITES=\\(([a-z ]+)\\)") lines);
in
builtins.filter (s: builtins.isString s && s != "") (builtins.split " " (builtins.head (builtins.head lists)))
