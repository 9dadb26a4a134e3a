package dev.vqueue

import java.util.Base64
import kotlin.test.assertEquals
import org.junit.jupiter.api.Test

/** The JVM and the `vqueue` command on one queue, each in its own process. */
class CrossProcessTest {
    @Test
    fun `a JVM writer and a CLI consumer`() = withTempDir { base ->
        val bodies = (0 until 50).map { "jvm $it" }
        Queue.open(base, "q").use { q ->
            q.pushBatch(bodies.take(20).map { it.encodeToByteArray() })
            bodies.drop(20).forEach { q.push(it, MsgType.OBJECT) }
            // Read while the JVM still holds the writer.
            val r = run(cli.toString(), "consume", base.toString(), "q", "cli", "--json")
            assertEquals(0, r.exit, r.stderr)
            val got = r.stdout.lines().filter { it.isNotBlank() }.map { line ->
                val b64 = Regex("\"body\":\"([^\"]*)\"").find(line)!!.groupValues[1]
                Base64.getDecoder().decode(b64).decodeToString()
            }
            assertEquals(bodies, got)
        }
        // The CLI committed: its position is what the JVM sees.
        val info = inspect(base, "q")
        assertEquals(0UL, info.consumers.single { it.name == "cli" }.lag)
    }

    @Test
    fun `a CLI writer and a JVM consumer waiting for it`() = withTempDir { base ->
        Queue.open(base, "q").use { it.push("before") }
        Consumer.open(base, "jvm", "q").use { c ->
            assertEquals("before", c.popCommit()!!.body.decodeToString())
            val p = ProcessBuilder(cli.toString(), "push", base.toString(), "q", "--ack").start()
            val lines = (0 until 30).map { "cli $it" }
            p.outputStream.bufferedWriter().use { w -> lines.forEach { w.write(it + "\n") } }
            val got = mutableListOf<String>()
            while (got.size < lines.size) {
                check(c.wait(kotlin.time.Duration.parse("30s"))) { "no message within 30 s after ${got.size}" }
                got += c.popCommit()!!.body.decodeToString()
            }
            assertEquals(0, p.waitFor())
            assertEquals(lines, got)
        }
    }
}
