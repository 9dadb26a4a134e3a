package dev.vqueue

import java.util.Collections
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test

/** inspect, verify with progress, cleanup, and the engine's warnings through a Kotlin logger. */
class MaintenanceTest {
    @Test
    fun `a missing part is passed over with a warning to the logger`() = withTempDir { base ->
        val parts = listOf("one", "two", "three").map { body -> Queue.open(base, "q").use { it.push(body); it.partId } }
        base.resolve("q-${parts[1]}").toFile().deleteRecursively()
        val warnings = Collections.synchronizedList(mutableListOf<Warning>())
        setLogger(object : Logger {
            override fun warning(warning: Warning) {
                warnings += warning
            }
        })
        try {
            val got = Consumer.openReader(base, "q").use { c -> c.messages().map { it.body.decodeToString() }.toList() }
            assertEquals(listOf("one", "three"), got)
        } finally {
            setLogger(null)
        }
        assertTrue(warnings.any { it.message.contains("missing") }, warnings.toString())
    }

    @Test
    fun `inspect, verify with progress and cleanup`() = withTempDir { base ->
        Queue.open(base, "q").use { it.pushBatch((0 until 100).map { i -> "m$i".encodeToByteArray() }) }
        Consumer.open(base, "c", "q").use { it.commit() } // registered at the first part
        Queue.open(base, "q").use { it.push("next part") }
        Consumer.open(base, "c", "q").use { c ->
            assertEquals(101, c.popBatch(1000).size)
            c.commit()
        }
        val info = inspect(base, "q")
        assertEquals(2, info.parts.size)
        assertEquals(0UL, info.consumers.single().lag)
        val progress = mutableListOf<Progress>()
        val report = verify(base, "q") { progress += it }
        assertTrue(report.problems.isEmpty())
        assertEquals(101UL, report.records)
        assertEquals(progress.last().totalBytes, progress.last().doneBytes)
        val dry = cleanup(base, "q", dryRun = true)
        assertEquals(listOf(info.parts.first().id), dry.removed)
        assertEquals(dry.removed, cleanup(base, "q").removed)
        assertEquals(1, inspect(base, "q").parts.size)
    }
}
