package dev.vqueue

import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test

/**
 * The per-message calls go through the fast C functions and each thread's
 * reused buffers: bodies larger than the buffers, batches that overflow
 * them, and the commit points must come out exactly as the engine has them.
 */
class FastCallsTest {
    private fun body(i: Int, size: Int) = ByteArray(size) { (i * 31 + it).toByte() }

    @Test
    fun `a batch larger than the buffers arrives whole and in order, and its commit covers exactly it`() =
        withTempDir { base ->
            val bodies = List(3000) { body(it, 1000) } // 3 MB: many times the initial buffer
            Queue.open(base, "q").use { q ->
                q.pushBatch(bodies.subList(0, 1500))
                q.pushBatch(bodies.subList(1500, 3000), MsgType.OBJECT)
            }
            Consumer.open(base, "c", "q").use { c ->
                val got = c.popBatchCommit(2500)
                assertEquals(2500, got.size)
                got.forEachIndexed { i, m ->
                    assertContentEquals(bodies[i], m.body, "record $i")
                    assertEquals(if (i < 1500) MsgType.STRING else MsgType.OBJECT, m.msgType)
                }
                assertTrue(got.zipWithNext().all { (a, b) -> b.offset > a.offset }, "offsets grow")
                // Popped but not committed: the next consumer resumes after record 2499.
                assertEquals(10, c.popBatch(10).size)
            }
            Consumer.open(base, "c", "q").use { c ->
                val rest = c.popBatch(1000)
                assertEquals(500, rest.size, "only what is left; fewer than asked at the end")
                rest.forEachIndexed { i, m -> assertContentEquals(bodies[2500 + i], m.body) }
                assertTrue(c.popBatch(10).isEmpty())
            }
        }

    @Test
    fun `a batch of more records than one native call returns comes back whole`() = withTempDir { base ->
        val n = 10_000 // more than FastCalls.POP_MAX
        Queue.open(base, "q").use { q -> q.pushBatch(List(n) { "r$it".encodeToByteArray() }) }
        Consumer.open(base, "c", "q").use { c ->
            val got = c.popBatchCommit(n + 5)
            assertEquals((0 until n).map { "r$it" }, got.map { it.body.decodeToString() })
        }
        Consumer.open(base, "c", "q").use { c -> assertNull(c.pop(), "all of them committed") }
    }

    @Test
    fun `a body larger than the buffer pops whole, alone or in a batch`() = withTempDir { base ->
        val big = body(7, 3 * 1024 * 1024)
        Queue.open(base, "q").use { q ->
            q.push("small")
            q.push(big)
            q.push("after")
        }
        Consumer.open(base, "c", "q").use { c ->
            val batch = c.popBatch(3) // stops before the big one, then grows and goes on
            assertEquals(listOf(5, big.size, 5), batch.map { it.body.size })
            assertContentEquals(big, batch[1].body)
        }
        Consumer.open(base, "d", "q").use { d ->
            assertEquals("small", d.pop()!!.body.decodeToString())
            assertTrue(d.popHeader())
            assertEquals(big.size, d.recordLen)
            assertContentEquals(big, d.popBody())
            assertEquals("after", d.popCommit()!!.body.decodeToString())
        }
    }

    @Test
    fun `commit saves the position after the last popped record, not after what was buffered`() =
        withTempDir { base ->
            Queue.open(base, "q").use { q -> q.pushBatch(List(10) { "m$it".encodeToByteArray() }) }
            Consumer.open(base, "c", "q").use { c ->
                repeat(3) { c.pop() }
                c.commit()
                assertEquals("m3", c.pop()!!.body.decodeToString()) // popped, never committed
            }
            Consumer.open(base, "c", "q").use { c ->
                assertEquals("m3", c.popCommit()!!.body.decodeToString())
                assertEquals(listOf("m4", "m5"), c.popBatchCommit(2).map { it.body.decodeToString() })
            }
            Consumer.open(base, "c", "q").use { c ->
                assertEquals((6 until 10).map { "m$it" }, c.messages().map { it.body.decodeToString() }.toList())
                assertNull(c.pop())
            }
        }

    @Test
    fun `popBody pops only a record announced by popHeader`() = withTempDir { base ->
        Queue.open(base, "q").use { q -> q.push("only") }
        Consumer.open(base, "c", "q").use { c ->
            assertNull(c.popBody(), "no header announced yet")
            assertTrue(c.popHeader())
            val part = c.partId
            val at = c.position
            val m = c.pop()!! // pops the announced record
            assertEquals("only", m.body.decodeToString())
            assertEquals(part, m.part.toInt())
            assertEquals(at, m.offset.toLong())
            assertNull(c.popBody())
            assertTrue(c.popBatch(5).isEmpty())
        }
    }

    @Test
    fun `an empty batch pushes nothing and empty bodies round-trip`() = withTempDir { base ->
        Queue.open(base, "q").use { q ->
            val edge = q.rightEdge
            assertEquals(edge, q.pushBatch(emptyList()))
            q.pushBatch(listOf(ByteArray(0), "x".encodeToByteArray(), ByteArray(0)))
            assertEquals(3, q.countPushed)
        }
        Consumer.open(base, "c", "q").use { c ->
            assertEquals(listOf(0, 1, 0), c.popBatchCommit(10).map { it.body.size })
        }
    }
}
