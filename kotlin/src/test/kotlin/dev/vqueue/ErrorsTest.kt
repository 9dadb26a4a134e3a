package dev.vqueue

import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Each failure arrives as its own subclass of [QueueException], with its fields. */
class ErrorsTest {
    @Test
    fun `an invalid name carries the name`() = withTempDir { base ->
        val e = assertThrows<QueueException.InvalidName> { Queue.open(base, "a/b") }
        assertEquals("a/b", e.name)
        assertNull(e.path)
    }

    @Test
    fun `a missing queue is NotFound`() = withTempDir { base ->
        val e: QueueException = assertThrows<QueueException.NotFound> { inspect(base, "absent") }
        assertTrue(e.message!!.contains("absent"), e.message)
    }

    @Test
    fun `committing a read-only consumer is ReadOnly`() = withTempDir { base ->
        Queue.open(base, "q").use { it.push("x") }
        Consumer.open(base, "c", "q", Mode.READ).use { c ->
            assertNotNull(c.pop())
            assertThrows<QueueException.ReadOnly> { c.commit() }
        }
    }

    @Test
    fun `a closed handle is Closed, and closing again is fine`() = withTempDir { base ->
        val q = Queue.open(base, "q")
        q.close()
        q.close()
        assertThrows<QueueException.Closed> { q.push("late") }
        val c = Consumer.openReader(base, "q")
        c.close()
        assertThrows<QueueException.Closed> { c.pop() }
    }

    @Test
    fun `a damaged record is Corrupt with file and offset, and skipCorrupt resumes`() = withTempDir { base ->
        val part = Queue.open(base, "q").use { q -> repeat(3) { q.push("m$it") }; q.partId }
        val data = base.resolve("q-$part/q_queue").toFile()
        val bytes = data.readBytes()
        "garbage!".encodeToByteArray().copyInto(bytes)
        data.writeBytes(bytes)
        Consumer.open(base, "c", "q").use { c ->
            val e = assertThrows<QueueException> { c.pop() }
            assertTrue(e is QueueException.Corrupt || e is QueueException.InvalidChecksum, e.toString())
            val (path, offset) = when (e) {
                is QueueException.Corrupt -> e.path to e.offset
                is QueueException.InvalidChecksum -> e.path to e.offset
                else -> error("unreachable")
            }
            assertEquals(data.path, path)
            assertEquals(0UL, offset)
            assertEquals(1L, c.skipCorrupt())
            assertEquals("m1", c.pop()!!.body.decodeToString())
        }
    }

    @Test
    fun `a second writer in another process is AlreadyOpen`() = withTempDir { base ->
        Queue.open(base, "q").use {
            val r = run(cli.toString(), "push", base.toString(), "q", input = "x\n")
            assertEquals(3, r.exit, r.stderr)
            assertTrue(r.stderr.contains("already open"), r.stderr)
        }
        // And the reverse: the JVM is refused while the CLI holds the writer.
        val p = ProcessBuilder(cli.toString(), "push", base.toString(), "q", "--ack").start()
        p.outputStream.write("first\n".toByteArray())
        p.outputStream.flush()
        p.inputStream.bufferedReader().readLine()
        val e = assertThrows<QueueException.AlreadyOpen> { Queue.open(base, "q") }
        assertTrue(e.message!!.isNotEmpty())
        p.outputStream.close()
        assertEquals(0, p.waitFor())
    }
}
