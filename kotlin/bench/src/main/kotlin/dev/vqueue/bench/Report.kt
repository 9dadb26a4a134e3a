package dev.vqueue.bench

/**
 * The table of one run: microseconds per message (median of the measured
 * rounds) for each contender, the peers' time over v-queue's (above 1x:
 * v-queue is faster) and each target's verdict.
 */
class Report(
    private val tmpfs: Map<Scenario, List<Pair<Long, Long>>>,
    private val durable: Map<Scenario, List<Pair<Long, Long>>>,
    private val n: Int,
    private val nDisk: Int,
    private val rounds: Int,
) {
    private class Row(val operation: String, val vq: Double, val tape: Double?, val chronicle: Double?, val target: String)

    private val missed = mutableListOf<String>()

    private fun us(runs: Map<Scenario, List<Pair<Long, Long>>>, name: String, read: Boolean, count: Int): Double {
        val times = runs.entries.single { it.key.name == name }.value.map { if (read) it.second else it.first }.sorted()
        return times[times.size / 2] / 1000.0 / count
    }

    private fun rows(): List<Row> {
        fun t(name: String, read: Boolean) = us(tmpfs, name, read, n)
        fun d(name: String, read: Boolean) = us(durable, name, read, nDisk)
        val single = "v-queue single (NONE)"
        val synced = "v-queue single (SYNC)"
        val rows = listOf(
            Row("push, one call each", t(single, false), t("Tape", false), t("Chronicle Queue", false), "≤ 5 µs, faster than Tape"),
            Row("pop + commit, one call each", t(single, true), t("Tape", true), t("Chronicle Queue", true), "≤ 5 µs, faster than Tape"),
            Row("pushBatch(1000)", t("v-queue batch", false), t("Tape", false), t("Chronicle Queue", false), "≤ 0.5 µs, ≤ 1.5x Chronicle's time"),
            Row("popBatchCommit(1000)", t("v-queue batch", true), t("Tape batch read", true), t("Chronicle Queue", true), "≤ 0.5 µs"),
            Row("push, durable, disk", d(synced, false), d("Tape", false), null, "faster than Tape"),
            Row("pop + commit + sync, durable, disk", d(synced, true), d("Tape", true), null, "faster than Tape"),
        )
        return rows
    }

    private fun verdict(r: Row): String {
        val ok = mutableListOf<Boolean>()
        if (r.target.contains("≤ 5 µs")) ok += r.vq <= 5.0
        if (r.target.contains("≤ 0.5 µs")) ok += r.vq <= 0.5
        if (r.target.contains("faster than Tape")) ok += r.tape != null && r.tape > r.vq
        if (r.target.contains("1.5x Chronicle")) ok += r.chronicle != null && r.vq <= 1.5 * r.chronicle
        val met = ok.all { it }
        if (!met) missed += r.operation
        return "${r.target}: ${if (met) "met" else "MISSED"}"
    }

    fun markdown(loadBefore: String, loadAfter: String): String = buildString {
        appendLine("<!-- table begin -->")
        appendLine("#### Kotlin SDK against the JVM peers (100 B bodies, µs per message)")
        appendLine()
        appendLine("| operation | v-queue µs | Tape 2.0.0-beta1 µs | vs Tape | Chronicle Queue 5.25ea17 µs | vs Chronicle | target |")
        appendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for (r in rows()) {
            val tape = r.tape?.let { fmt(it) } ?: "-"
            val vsTape = r.tape?.let { "%.2fx".format(it / r.vq) } ?: "-"
            val chronicle = r.chronicle?.let { fmt(it) } ?: "-"
            val vsChronicle = r.chronicle?.let { "%.2fx".format(it / r.vq) } ?: "-"
            appendLine("| ${r.operation} | ${fmt(r.vq)} | $tape | $vsTape | $chronicle | $vsChronicle | ${verdict(r)} |")
        }
        appendLine()
        appendLine(
            "Medians of $rounds interleaved rounds after warm-up, in one JVM (${System.getProperty("java.vm.name")} " +
                "${System.getProperty("java.version")}); every body read back compared with the one written. " +
                "The first four rows: $n messages per round on tmpfs, no sync (v-queue `Durability.NONE`; Tape opens its file `rwd`, " +
                "which tmpfs makes free; Chronicle's own page-cache writes); Tape has no batch call, so its batch rows use `add` " +
                "and its iterator + `remove(1000)`, Chronicle's use its single append and its named tailer. The durable rows: " +
                "$nDisk messages per round on disk, v-queue `Durability.SYNC` (and `Consumer.sync` after each commit) against Tape's `rwd` file. " +
                "\"vs\" is the peer's time over v-queue's: above 1x v-queue is faster. Load average $loadBefore before, $loadAfter after."
        )
        appendLine(if (missed.isEmpty()) "All targets met in this run." else "Missed in this run: ${missed.joinToString(", ")}.")
        appendLine("<!-- table end -->")
    }

    private fun fmt(us: Double) = if (us < 10) "%.3f".format(us) else "%.1f".format(us)
}
