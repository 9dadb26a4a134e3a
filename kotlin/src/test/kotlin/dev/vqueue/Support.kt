package dev.vqueue

import java.nio.file.Files
import java.nio.file.Path
import java.security.MessageDigest
import java.util.concurrent.TimeUnit

/** The repository root (set by the Maven build). */
val repoRoot: Path = Path.of(System.getProperty("vqueue.repo") ?: "..").toAbsolutePath().normalize()

/** The golden queues: `$VQUEUE_FIXTURES`, else `../shared/fixtures` beside the repository. */
val fixturesDir: Path =
    System.getenv("VQUEUE_FIXTURES")?.let { Path.of(it) } ?: repoRoot.resolve("../shared/fixtures").normalize()

/**
 * A fresh directory, removed after [block]. Returns Unit so that a test
 * written `= withTempDir { ... }` stays a void method JUnit runs.
 */
fun withTempDir(block: (Path) -> Unit) {
    val dir = Files.createTempDirectory("vqueue-kt")
    try {
        block(dir)
    } finally {
        dir.toFile().deleteRecursively()
    }
}

/**
 * Copies golden queue [name] to a temp directory (opening a consumer writes
 * its position). Without the fixtures folder the test is reported skipped,
 * as in the other suites, or fails where `VQUEUE_REQUIRE_FIXTURES=1` (CI).
 */
fun withFixtureCopy(name: String, block: (Path) -> Unit) = withTempDir { dir ->
    val found = Files.isDirectory(fixturesDir)
    val why = "golden fixtures folder not found: $fixturesDir (set VQUEUE_FIXTURES)"
    if (System.getenv("VQUEUE_REQUIRE_FIXTURES") == "1") {
        check(found) { "$why; VQUEUE_REQUIRE_FIXTURES=1 requires it" }
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(found, why)
    val base = dir.resolve(name)
    fixturesDir.resolve(name).toFile().copyRecursively(base.toFile())
    block(base)
}

fun sha256(bytes: ByteArray): ByteArray = MessageDigest.getInstance("SHA-256").digest(bytes)

fun ByteArray.hex(): String = joinToString("") { "%02x".format(it) }

/** The `vqueue` command built by `cargo build --release -p vqueue-cli`. */
val cli: Path = repoRoot.resolve("target/release/vqueue")

class Run(val exit: Int, val stdout: String, val stderr: String)

/** Runs [args], feeding [input] to stdin, and waits for it to end. */
fun run(vararg args: String, input: String = ""): Run {
    val p = ProcessBuilder(*args).start()
    // A process that fails early (a refused open) may close its stdin first.
    try {
        p.outputStream.use { it.write(input.toByteArray()) }
    } catch (_: java.io.IOException) {
    }
    val out = p.inputStream.readAllBytes().decodeToString()
    val err = p.errorStream.readAllBytes().decodeToString()
    check(p.waitFor(120, TimeUnit.SECONDS)) { "${args.toList()} did not end" }
    return Run(p.exitValue(), out, err)
}
