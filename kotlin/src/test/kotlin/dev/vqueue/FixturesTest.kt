package dev.vqueue

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource

/** Golden queues written by other software, read through Kotlin (see the fixtures' README). */
class FixturesTest {
    private class Expected(val part: Int, val type: String, val len: Int, val sha256: String)

    private fun expected(name: String): Pair<List<Expected>, Pair<Int, String>> {
        val lines = fixturesDir.resolve("$name.expected.jsonl").toFile().readLines().filter { it.isNotBlank() }
        fun field(line: String, key: String) = Regex("\"$key\":\\s*\"?([^\",}]*)").find(line)!!.groupValues[1]
        val summary = lines.last()
        assertTrue(summary.contains("\"summary\""), summary)
        val records = lines.dropLast(1).map {
            Expected(field(it, "part").toInt(), field(it, "type"), field(it, "len").toInt(), field(it, "sha256"))
        }
        return records to (field(summary, "messages").toInt() to field(summary, "digest"))
    }

    /**
     * (part, type, sha256) of each message, through header/body with a
     * commit per message, or with [batches] through popBatchCommit (the
     * large queues: a native call per message costs more than the read).
     */
    private fun readAll(base: java.nio.file.Path, queue: String, batches: Boolean = false): List<Triple<Int, MsgType, ByteArray>> =
        Consumer.open(base, "fixture", queue).use { c ->
            if (batches) {
                return@use generateSequence { c.popBatchCommit(512).ifEmpty { null } }
                    .flatten()
                    .map { Triple(it.part.toInt(), it.msgType, sha256(it.body)) }
                    .toList()
            }
            buildList {
                while (c.popHeader()) {
                    val type = c.msgType!!
                    val len = c.recordLen!!
                    val part = c.partId
                    val body = c.popBody()!!
                    assertEquals(len, body.size)
                    add(Triple(part, type, sha256(body)))
                    c.commit()
                }
            }
        }

    private fun check(name: String, got: List<Triple<Int, MsgType, ByteArray>>) {
        val (records, summary) = expected(name)
        assertEquals(summary.first, got.size)
        assertEquals(records.size, got.size)
        got.zip(records).forEachIndexed { i, (g, e) ->
            assertEquals(e.part, g.first, "message $i part")
            assertEquals(if (e.type == "S") MsgType.STRING else MsgType.OBJECT, g.second, "message $i type")
            assertEquals(e.sha256, g.third.hex(), "message $i sha256")
        }
        val digest = java.security.MessageDigest.getInstance("SHA-256")
        got.forEach { digest.update(it.third) }
        assertEquals(summary.second, digest.digest().hex())
    }

    @ParameterizedTest
    @CsvSource("real-veda-v2,individuals-flow", "v3-compressed,docs", "v2-generated,docs")
    fun `golden queue reads exactly the expected messages`(name: String, queue: String) = withFixtureCopy(name) { base ->
        check(name, readAll(base, queue, batches = name != "v2-generated"))
        Consumer.open(base, "fixture", queue).use { c ->
            assertFalse(c.popHeader())
            assertEquals(0, c.backlog())
        }
        assertTrue(verify(base, queue).problems.isEmpty())
    }

    @Test
    fun `real-veda-small is refused with the file named, then repaired`() = withFixtureCopy("real-veda-small") { base ->
        val e = assertThrows<QueueException.InvalidChecksum> { readAll(base, "test") }
        assertTrue(e.path!!.endsWith("test_info_queue") || e.path!!.endsWith("test_info_push"), e.path)
        assertTrue(e.message!!.contains("test_info_"), e.message)
        assertFalse(verify(base, "test").problems.isEmpty())
        val seen = mutableListOf<Progress>()
        val repaired = repair(base, "test") { seen += it }
        assertEquals(39L, repaired.records.toLong())
        assertTrue(repaired.actions.isNotEmpty())
        assertTrue(seen.isNotEmpty())
        assertTrue(verify(base, "test").problems.isEmpty())
        check("real-veda-small", readAll(base, "test"))
    }
}
