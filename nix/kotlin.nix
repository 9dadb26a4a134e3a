# The Kotlin SDK jar (dev.vqueue:vqueue) with nixpkgs' buildMavenPackage:
# a fixed-output derivation runs the same `mvn package` with the network to
# fill a Maven repository (its hash is mvnHash), then the build runs offline
# on a copy of it. The native library and the generated bindings come from the
# vqueue-ffi package, laid out as kotlin/scripts/native.sh leaves them, so
# Maven's own call of that script is skipped. The jar holds the library of
# the system it is built on; the release workflow assembles every platform's.
{
  pkgs,
  version,
  src,
  ffi,
}:
let
  bindings = ''
    mkdir -p target
    cp -r --no-preserve=mode ${ffi}/share/vqueue-ffi/kotlin target/uniffi
  '';
in
pkgs.maven.buildMavenPackage {
  pname = "vqueue-kotlin";
  inherit version src;
  mvnJdk = pkgs.jdk17;
  # The hash of the Maven repository the pinned nixpkgs' Maven fills for
  # kotlin/pom.xml. It can only be computed where Nix fetches (that Maven's
  # default plugin versions decide which files it holds): until a build there
  # records it, this placeholder makes `nix build .#kotlin` stop with the hash
  # to write here. Redo the same after changing a dependency or plugin.
  mvnHash = pkgs.lib.fakeHash;
  mvnParameters = "-Dvqueue.native.skip=true";
  # Both Maven runs compile against the generated bindings.
  preBuild = bindings;
  mvnFetchExtraArgs.preBuild = bindings;
  # The tests run in the kotlin suite (ci/test.sh kotlin), with the vqueue
  # command and the golden queues this build has not.
  doCheck = false;
  installPhase = ''
    runHook preInstall
    install -Dm644 -t "$out/share/java" target/vqueue-*.jar
    runHook postInstall
  '';
}
