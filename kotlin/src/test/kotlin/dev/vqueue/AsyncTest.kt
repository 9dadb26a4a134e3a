package dev.vqueue

import java.util.concurrent.Executors
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Test

/** `await` and `tail` suspend: the dispatcher's one thread keeps running other coroutines. */
class AsyncTest {
    private val single = Executors.newSingleThreadExecutor().asCoroutineDispatcher()

    @Test
    fun `await leaves the only dispatcher thread free while a CLI process pushes`() = withTempDir { base ->
        Queue.open(base, "q").use { it.push("start") }
        Consumer.open(base, "c", "q").use { c ->
            c.popCommit()
            runBlocking(single) {
                var ticks = 0
                val ticker = launch {
                    while (true) {
                        ticks++
                        delay(5)
                    }
                }
                val waited = async { c.await(30.seconds) }
                // The writer is another process, started once the wait is pending.
                val p = ProcessBuilder(cli.toString(), "push", base.toString(), "q").start()
                launch {
                    delay(200)
                    p.outputStream.use { it.write("late\n".toByteArray()) }
                }
                assertTrue(waited.await())
                ticker.cancel()
                assertTrue(ticks >= 10, "the loop ran $ticks ticks during the wait")
                assertEquals("late", c.popCommit()!!.body.decodeToString())
                assertEquals(0, p.waitFor())
            }
        }
    }

    @Test
    fun `await times out with false, and can be cancelled`() = withTempDir { base ->
        Queue.open(base, "q").use { }
        Consumer.open(base, "c", "q").use { c ->
            runBlocking(single) {
                assertFalse(c.await(30.milliseconds))
                val r = runCatching { withTimeout(50) { c.await(60.seconds) } }
                assertTrue(r.isFailure)
                yield()
            }
        }
    }

    @Test
    fun `tail emits records as they are pushed and commits them`() = withTempDir { base ->
        val q = Queue.open(base, "q")
        Consumer.open(base, "c", "q").use { c ->
            runBlocking(single) {
                launch {
                    repeat(5) {
                        delay(20)
                        q.push("m$it")
                    }
                }
                val got = withTimeout(30_000) { c.tail(commit = true, poll = 100.milliseconds).take(5).toList() }
                assertEquals((0 until 5).map { "m$it" }, got.map { it.body.decodeToString() })
            }
        }
        // At-least-once: taking the 5th record cancelled the flow before its
        // commit, so it comes again; nothing before it does.
        Consumer.open(base, "c", "q").use { c ->
            assertEquals(listOf("m4"), c.messages().map { it.body.decodeToString() }.toList())
        }
        q.close()
    }
}
