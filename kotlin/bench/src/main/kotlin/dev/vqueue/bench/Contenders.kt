package dev.vqueue.bench

import com.squareup.tape2.QueueFile
import dev.vqueue.Consumer
import dev.vqueue.Durability
import dev.vqueue.Format
import dev.vqueue.Mode
import dev.vqueue.Queue
import java.nio.file.Path
import net.openhft.chronicle.bytes.Bytes
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder

/** A popped body differs from the one pushed at [index]. */
class Mismatch(index: Int) : RuntimeException("body $index differs from the one pushed")

/** 100-byte bodies, each different: its index in 12 digits, then a fixed filler. */
fun bodies(n: Int): Array<ByteArray> {
    val filler = ByteArray(BODY_LEN - 12) { (33 + it).toByte() }
    return Array(n) { i -> "%012d".format(i).encodeToByteArray() + filler }
}

const val BODY_LEN = 100
const val BATCH = 1000

fun verify(got: ByteArray?, expected: Array<ByteArray>, i: Int) {
    if (got == null || !got.contentEquals(expected[i])) throw Mismatch(i)
}

/**
 * One contender's way to write then read [n] records in [dir]: each phase
 * timed alone, in nanoseconds. Every body read is compared with the one
 * written at that index inside the timed loop.
 */
interface Scenario {
    val name: String

    /** Nanoseconds of the write phase and of the read phase. */
    fun run(dir: Path, bodies: Array<ByteArray>, expected: Array<ByteArray>): Pair<Long, Long>
}

/** The SDK's original loop: `push` per message, then `pop` + `commit` per message. */
class VQueueSingle(private val durability: Durability) : Scenario {
    override val name = "v-queue single ($durability)"
    private val synced = durability == Durability.SYNC

    override fun run(dir: Path, bodies: Array<ByteArray>, expected: Array<ByteArray>): Pair<Long, Long> {
        Queue.open(dir, "q", Mode.READ_WRITE, Format.V2, durability).use { q ->
            Consumer.open(dir, "c", "q").use { c ->
                val push = timed { for (b in bodies) q.push(b) }
                val pop = timed {
                    for (i in bodies.indices) {
                        verify(c.pop()?.body, expected, i)
                        c.commit()
                        if (synced) c.sync()
                    }
                }
                return push to pop
            }
        }
    }
}

/** The batch calls: `pushBatch(1000)`, then `popBatchCommit(1000)`. */
class VQueueBatch : Scenario {
    override val name = "v-queue batch"

    override fun run(dir: Path, bodies: Array<ByteArray>, expected: Array<ByteArray>): Pair<Long, Long> {
        val batches = bodies.asList().chunked(BATCH)
        Queue.open(dir, "q").use { q ->
            Consumer.open(dir, "c", "q").use { c ->
                val push = timed { for (b in batches) q.pushBatch(b) }
                val pop = timed {
                    var i = 0
                    while (i < bodies.size) {
                        val got = c.popBatchCommit(BATCH)
                        if (got.isEmpty()) throw Mismatch(i)
                        for (m in got) verify(m.body, expected, i++)
                    }
                }
                return push to pop
            }
        }
    }
}

/**
 * Square's Tape `QueueFile` (defaults: the file opened `rwd`, removed
 * elements zeroed): `add` per message, then `peek` + `remove` per message,
 * or with [batchRead] the iterator over 1,000 elements and `remove(1000)`
 * (it has no batch add).
 */
class Tape(private val batchRead: Boolean) : Scenario {
    override val name = if (batchRead) "Tape batch read" else "Tape"

    override fun run(dir: Path, bodies: Array<ByteArray>, expected: Array<ByteArray>): Pair<Long, Long> {
        QueueFile.Builder(dir.resolve("tape").toFile()).build().use { qf ->
            val push = timed { for (b in bodies) qf.add(b) }
            val pop = timed {
                if (batchRead) {
                    var i = 0
                    while (i < bodies.size) {
                        val take = minOf(BATCH, bodies.size - i)
                        val iter = qf.iterator()
                        repeat(take) { verify(iter.next(), expected, i++) }
                        qf.remove(take)
                    }
                } else {
                    for (i in bodies.indices) {
                        verify(qf.peek(), expected, i)
                        qf.remove()
                    }
                }
            }
            return push to pop
        }
    }
}

/**
 * Chronicle Queue: an appender writing each body from one reused buffer
 * (it has no batch call), then a named tailer (its read index is kept in
 * the queue's metadata, as a consumer's position is) reading into one
 * reused buffer.
 */
class Chronicle : Scenario {
    override val name = "Chronicle Queue"

    override fun run(dir: Path, bodies: Array<ByteArray>, expected: Array<ByteArray>): Pair<Long, Long> {
        SingleChronicleQueueBuilder.binary(dir.resolve("chronicle").toFile()).build().use { cq ->
            val out = Bytes.allocateElasticDirect(256)
            val into = Bytes.allocateElasticDirect(256)
            val got = ByteArray(BODY_LEN)
            try {
                val appender = cq.createAppender()
                val push = timed {
                    for (b in bodies) {
                        out.clear()
                        out.write(b)
                        appender.writeBytes(out)
                    }
                }
                val tailer = cq.createTailer("c")
                val pop = timed {
                    for (i in bodies.indices) {
                        into.clear()
                        if (!tailer.readBytes(into) || into.readRemaining() != BODY_LEN.toLong()) throw Mismatch(i)
                        into.read(got)
                        verify(got, expected, i)
                    }
                }
                appender.close()
                tailer.close()
                return push to pop
            } finally {
                out.releaseLast()
                into.releaseLast()
            }
        }
    }
}

inline fun timed(block: () -> Unit): Long {
    val start = System.nanoTime()
    block()
    return System.nanoTime() - start
}
