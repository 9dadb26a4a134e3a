package dev.vqueue

import java.util.Collections
import java.util.concurrent.CyclicBarrier
import kotlin.concurrent.thread
import kotlin.test.assertEquals
import org.junit.jupiter.api.Test

/** Handles shared between JVM threads: calls are serialised, nothing is lost or repeated. */
class ThreadsTest {
    @Test
    fun `writers and consumers on shared handles see every message once`() = withTempDir { base ->
        val threads = 4
        val each = 250
        val q = Queue.open(base, "q")
        val c = Consumer.open(base, "c", "q")
        val seen = Collections.synchronizedList(mutableListOf<String>())
        val start = CyclicBarrier(threads * 2)
        val writers = (0 until threads).map { t ->
            thread {
                start.await()
                (0 until each step 5).forEach { i -> q.pushBatch((i until i + 5).map { "t$t-$it".encodeToByteArray() }) }
            }
        }
        val readers = (0 until threads).map {
            thread {
                start.await()
                var idle = 0
                while (idle < 100) {
                    val got = c.popBatchCommit(16)
                    if (got.isEmpty()) {
                        idle++
                        Thread.sleep(2)
                    } else {
                        idle = 0
                        got.forEach { seen += it.body.decodeToString() }
                    }
                }
            }
        }
        (writers + readers).forEach { it.join() }
        generateSequence { c.popCommit() }.forEach { seen += it.body.decodeToString() }
        val expected = (0 until threads).flatMap { t -> (0 until each).map { "t$t-$it" } }
        assertEquals(expected.size, seen.size)
        assertEquals(expected.toSet(), seen.toSet())
        assertEquals(threads * each, q.countPushed)
        q.close()
        c.close()
    }
}
