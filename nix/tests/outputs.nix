# Assertions on the flake's outputs, evaluated by ci/suite-nix.sh with the
# inputs replaced by nix/stubs (whose derivations keep their arguments).
# Returns how many assertions hold and the names of those that do not.
flake:
let
  systems = [
    "aarch64-darwin"
    "aarch64-linux"
    "x86_64-darwin"
    "x86_64-linux"
  ];
  inherit ((builtins.fromTOML (builtins.readFile ../../rust-toolchain.toml)).toolchain) channel;
  suites = import ../suites.nix;
  linters = [
    "actionlint"
    "check-jsonschema"
    "deadnix"
    "ruff"
    "shellcheck"
    "zizmor"
  ];
  # The regular expression may name a store path: its context does not matter here.
  contains = needle: haystack: builtins.match ".*${builtins.unsafeDiscardStringContext needle}.*" haystack != null;
  names = drvs: map (d: d.name) drvs;
  hasPrefixIn = prefix: list: builtins.any (n: builtins.substring 0 (builtins.stringLength prefix) n == prefix) list;
  # The .drv text behind a string that refers to a derivation's output.
  drvTextOf = s: builtins.readFile (builtins.head (builtins.attrNames (builtins.getContext s)));

  forSystem =
    system:
    let
      checks = flake.checks.${system};
      packages = flake.packages.${system};
      shell = flake.devShells.${system}.default;
      inherit (flake.apps.${system}) demo;
      apps = flake.apps.${system};
      isLinux = builtins.match ".*-linux" system != null;
      shellPackages = names shell.stubArgs.packages;
      pythonEnv = builtins.head (builtins.filter (d: d.name == "python3-env") shell.stubArgs.packages);
      crane = [
        checks.nextest
        checks.lint
        checks.clippy
        checks.rustfmt
        packages.vqueue
        packages.vqueue-ffi
      ];
      ffi = packages.vqueue-ffi;
      jar = packages.kotlin.stubArgs;
      pom = builtins.readFile ../../kotlin/pom.xml;
      ffiCrateTypes = (builtins.fromTOML (builtins.readFile ../../bindings/ffi/Cargo.toml)).lib.crate-type;
      assertions = {
        "check names" =
          builtins.attrNames checks == [
            "clippy"
            "lint"
            "nextest"
            "python"
            "rustfmt"
          ];
        "package names" =
          builtins.attrNames packages == [
            "default"
            "kotlin"
            "python"
            "vqueue"
            "vqueue-ffi"
          ];
        "default package is the vqueue command" =
          packages.default.drvPath == packages.vqueue.drvPath && packages.vqueue.meta.mainProgram == "vqueue";
        "vqueue is crane buildPackage of vqueue-cli" =
          packages.vqueue.craneFunction == "buildPackage" && contains "--package vqueue-cli" packages.vqueue.stubArgs.cargoExtraArgs;
        "dependencies built once per profile, shared by package and checks" =
          let
            artifactsOf = d: d.stubArgs.cargoArtifacts;
            release = artifactsOf packages.vqueue;
            dev = artifactsOf checks.nextest;
          in
          release.craneFunction == "buildDepsOnly"
          && !(release.stubArgs ? CARGO_PROFILE)
          && (artifactsOf checks.clippy).drvPath == release.drvPath
          && (artifactsOf ffi).drvPath == release.drvPath
          && dev.craneFunction == "buildDepsOnly"
          && dev.stubArgs.CARGO_PROFILE == "dev"
          && (artifactsOf checks.lint).drvPath == dev.drvPath;
        "every Rust build uses the toolchain of rust-toolchain.toml" = builtins.all (
          d: d.craneToolchain.stubArgs.channel == channel && d.craneToolchain.stubArgs.components == [ "rustfmt" "clippy" ]
        ) crane;
        "nextest check runs the rust suite with the ci profile" =
          checks.nextest.suite == "rust"
          && checks.nextest.craneFunction == "mkCargoDerivation"
          && contains "bash ci/test.sh rust" checks.nextest.stubArgs.buildPhaseCargoCommand
          && checks.nextest.stubArgs.env.NEXTEST_PROFILE == "ci"
          && contains "--profile ci" (builtins.readFile ../../ci/suite-rust.sh)
          && builtins.elem "cargo-nextest" (names checks.nextest.stubArgs.nativeBuildInputs);
        "a suite reported as skipped fails its check" = builtins.all (c: contains "SKIPPED" c.stubArgs.buildPhaseCargoCommand) [
          checks.nextest
          checks.lint
        ] && contains "SKIPPED" checks.python.stubArgs.buildPhase;
        "clippy denies warnings on all targets of the workspace" =
          checks.clippy.craneFunction == "cargoClippy"
          && contains "--all-targets --all-features -- --deny warnings" checks.clippy.stubArgs.cargoClippyExtraArgs
          && contains "--workspace" checks.clippy.stubArgs.cargoExtraArgs;
        "rustfmt check" = checks.rustfmt.craneFunction == "cargoFmt";
        "python package: maturin hook, Cargo.lock vendored" =
          let
            p = packages.python.stubArgs;
          in
          p.pname == "v-queue-python"
          && p.buildAndTestSubdir == "python"
          && builtins.elem "maturin-build-hook" (names p.nativeBuildInputs)
          && p.cargoDeps.stubArgs.lockFile == builtins.readFile ../../Cargo.lock
          && builtins.all (t: t.stubArgs.channel == channel) p.cargoDeps.stubArgs.toolchain;
        "vqueue-ffi: the script the Maven build runs, on the workspace and that script only" =
          ffi.craneFunction == "mkCargoDerivation"
          && ffi.stubArgs.pname == "vqueue-ffi"
          && contains "bash kotlin/scripts/native.sh " ffi.stubArgs.buildPhaseCargoCommand
          && contains "cargo build --profile \"[$]profile\" -p vqueue-ffi" (builtins.readFile ../../kotlin/scripts/native.sh)
          && builtins.pathExists "${ffi.stubArgs.src}/kotlin/scripts/native.sh"
          && builtins.pathExists "${ffi.stubArgs.src}/Cargo.lock"
          && !(builtins.pathExists "${ffi.stubArgs.src}/kotlin/src")
          && !(builtins.pathExists "${ffi.stubArgs.src}/docs");
        "vqueue-ffi installs the cdylib, the staticlib and the Kotlin bindings" =
          builtins.elem "cdylib" ffiCrateTypes
          && builtins.elem "staticlib" ffiCrateTypes
          && contains "target/release/libvqueue_ffi[.][{]a,so,dylib[}]" ffi.stubArgs.installPhaseCommand
          && contains "share/vqueue-ffi/kotlin" ffi.stubArgs.installPhaseCommand
          && !ffi.stubArgs.doInstallCargoArtifacts;
        "kotlin: buildMavenPackage of kotlin/, dependencies fixed by mvnHash" =
          jar.pname == "vqueue-kotlin"
          && builtins.pathExists "${jar.src}/pom.xml"
          && !(builtins.pathExists "${jar.src}/target")
          && builtins.match "sha256-[A-Za-z0-9+/]{43}=" jar.mvnHash != null
          && jar.mvnJdk.name == "jdk17"
          && contains "<kotlin.compiler.jvmTarget>17<" pom
          && !jar.doCheck;
        "kotlin: both Maven runs take the library and bindings of vqueue-ffi, not cargo" =
          let
            copies = script: contains "${ffi}/share/vqueue-ffi/kotlin target/uniffi" script;
          in
          copies jar.preBuild
          && copies jar.mvnFetchExtraArgs.preBuild
          && contains "<generated.dir>[$][{]project.build.directory[}]/uniffi<" pom
          && contains "-Dvqueue.native.skip=true" jar.mvnParameters
          && contains "<skip>[$][{]vqueue.native.skip[}]</skip>" pom
          && contains "install -Dm644 -t \"[$]out/share/java\" target/vqueue-[*][.]jar" jar.installPhase;
        "python check runs the python suite against the built package" =
          let
            env = builtins.head checks.python.stubArgs.nativeBuildInputs;
          in
          checks.python.suite == "python"
          && contains "bash ci/test.sh python" checks.python.stubArgs.buildPhase
          && checks.python.stubArgs.env.VQUEUE_PYTHON_INSTALLED == "1"
          && checks.python.stubArgs.env.VQUEUE_CLI == "${packages.vqueue}/bin/vqueue"
          && builtins.elem packages.python.drvPath (map (d: d.drvPath) env.stubArgs.packages);
        "lint check runs the lint suite with the linters of nixpkgs" =
          checks.lint.suite == "lint"
          && contains "bash ci/test.sh lint" checks.lint.stubArgs.buildPhaseCargoCommand
          && checks.lint.stubArgs.env.LINT_TOOLS == "path"
          && checks.lint.stubArgs.cargoVendorDir.craneFunction == "vendorMultipleCargoDeps"
          # The Cargo.lock of every workspace ci/lint.sh finds.
          && builtins.all (lock: builtins.elem (builtins.readFile lock) checks.lint.stubArgs.cargoVendorDir.stubArgs.lockFiles) [
            ../../Cargo.lock
            ../../core/fuzz/Cargo.lock
            ../../python/benchmarks/upstream_wrapper/Cargo.lock
          ]
          && builtins.all (t: builtins.elem t (names checks.lint.stubArgs.nativeBuildInputs)) linters;
        "dev shell has every suite's tools" =
          builtins.all (t: builtins.elem t shellPackages) (
            [
              "cargo-nextest"
              "jdk17"
              "maven"
            ]
            ++ linters
          )
          && hasPrefixIn "rust-toolchain-${channel}" shellPackages
          && names pythonEnv.stubArgs.packages == [
            "maturin"
            "pytest"
            "pytest-timeout"
            "hypothesis"
            "mypy"
          ]
          && builtins.elem "swift" shellPackages == isLinux
          && shell.stubArgs.LINT_TOOLS == "path";
        "apps: demo and one test-SUITE per suite of ci/test.sh" =
          builtins.attrNames apps == builtins.sort builtins.lessThan ([ "demo" ] ++ map (s: "test-${s}") suites);
        "each app runs its script" =
          contains "exec bash ci/demo.sh" (drvTextOf demo.program)
          && builtins.all (s: contains "exec bash ci/test.sh ${s} " (drvTextOf apps."test-${s}".program)) suites;
      };
    in
    assertions;
  all =
    {
      # Guards the parsing of ci/test.sh above.
      "suites read from ci/test.sh" = builtins.length suites >= 2;
      "systems" = builtins.attrNames flake.checks == systems;
    }
    // builtins.foldl' (acc: system: acc // prefixed system (forSystem system)) { } systems;
  prefixed =
    system: set:
    builtins.listToAttrs (
      map (name: {
        name = "${system}: ${name}";
        value = set.${name};
      }) (builtins.attrNames set)
    );
  failed = builtins.filter (name: !all.${name}) (builtins.attrNames all);
in
{
  inherit failed;
  passed = builtins.length (builtins.attrNames all) - builtins.length failed;
}
