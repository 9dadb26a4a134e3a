package dev.vqueue.bench

import dev.vqueue.Durability
import java.nio.file.Files
import java.nio.file.Path

/**
 * The Kotlin SDK against Square's Tape and Chronicle Queue in one JVM,
 * 100-byte bodies, every body read back compared with the one written:
 *
 *   run.sh [--full|--quick]   (--disk=DIR: where the synced cases write)
 *
 * Page-cache cases run on tmpfs (`/dev/shm`) with no sync; the durable
 * cases on disk, v-queue with `Durability.SYNC` (and `Consumer.sync` after
 * each commit) against Tape, whose file is opened `rwd`. Rounds are
 * interleaved across contenders; the first two are warm-up; the table
 * gives medians of the rest. `--quick` runs small counts once, only to show
 * that everything works: its numbers mean nothing.
 */
fun main(args: Array<String>) {
    val quick = "--quick" in args
    val disk = Path.of(args.firstOrNull { it.startsWith("--disk=") }?.removePrefix("--disk=") ?: "target/disk")
    val shm = Path.of("/dev/shm").takeIf { Files.isDirectory(it) } ?: disk
    val n = if (quick) 5_000 else 200_000
    val nDisk = if (quick) 20 else 300
    val (warmup, measured) = if (quick) 1 to 1 else 2 to 5

    val tmpfs = listOf(VQueueSingle(Durability.NONE), VQueueBatch(), Tape(false), Tape(true), Chronicle())
    val durable = listOf(VQueueSingle(Durability.SYNC), Tape(false))
    selfCheck(tmpfs + durable, shm)

    val loadBefore = loadAverage()
    val fast = Rounds(tmpfs, shm, bodies(n), warmup, measured).run()
    val slow = Rounds(durable, disk, bodies(nDisk), warmup, measured).run()
    val loadAfter = loadAverage()

    println(Report(fast, slow, n, nDisk, measured).markdown(loadBefore, loadAfter))
}

/** A comparison that accepts a wrong body would let a fast wrong reader win: prove each one rejects it. */
private fun selfCheck(scenarios: List<Scenario>, root: Path) {
    val written = bodies(10)
    val wrong = written.copyOf().also { it[5] = ByteArray(BODY_LEN) { 'x'.code.toByte() } }
    for (s in scenarios) {
        val caught = withDir(root) { dir ->
            try {
                s.run(dir, written, wrong)
                false
            } catch (e: Mismatch) {
                true
            }
        }
        check(caught) { "self-check: ${s.name} did not detect a wrong body" }
    }
}

/** Per scenario, the write and read times (ns) of each measured round. */
class Rounds(
    private val scenarios: List<Scenario>,
    private val root: Path,
    private val bodies: Array<ByteArray>,
    private val warmup: Int,
    private val measured: Int,
) {
    fun run(): Map<Scenario, List<Pair<Long, Long>>> {
        val out = scenarios.associateWith { mutableListOf<Pair<Long, Long>>() }
        repeat(warmup + measured) { round ->
            for (s in scenarios) {
                val t = withDir(root) { s.run(it, bodies, bodies) }
                if (round >= warmup) out.getValue(s).add(t)
            }
        }
        return out
    }
}

fun <T> withDir(root: Path, block: (Path) -> T): T {
    Files.createDirectories(root)
    val dir = Files.createTempDirectory(root, "vqueue-bench-")
    try {
        return block(dir)
    } finally {
        dir.toFile().deleteRecursively()
    }
}

fun loadAverage(): String =
    runCatching { Files.readString(Path.of("/proc/loadavg")).split(" ").take(3).joinToString(" ") }.getOrDefault("?")
