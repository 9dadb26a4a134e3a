package dev.vqueue

import java.lang.ref.Reference
import java.nio.ByteBuffer
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * A named reader of a queue with a saved position, or a read-only cursor
 * ([openReader]). Every consumer reads every record, in push order, across
 * parts. Close it with [close] or `use {}`; a handle may be shared between
 * threads (calls are serialised).
 */
class Consumer private constructor(private val raw: NativeConsumer) : AutoCloseable {
    /** A reference of the native handle for the fast calls, given back when this object is collected. */
    private val handle: Long = raw.uniffiCloneHandle().also { h ->
        UniffiLib.CLEANER.register(this, Runnable { FastCalls.vqueue_release_consumer(h) })
    }

    companion object {
        /**
         * Opens consumer [name] of [queue] in [base]. With [Mode.READ_WRITE]
         * it saves its position on [commit]; with [Mode.READ] it writes no
         * file and [commit] fails with [QueueException.ReadOnly].
         */
        @JvmStatic
        @JvmOverloads
        fun open(base: Path, name: String, queue: String, mode: Mode = Mode.READ_WRITE): Consumer =
            Consumer(NativeConsumer.open(base.toString(), name, queue, mode))

        /** [open] with the directory as a string. */
        @JvmStatic
        @JvmOverloads
        fun open(base: String, name: String, queue: String, mode: Mode = Mode.READ_WRITE): Consumer =
            open(Path.of(base), name, queue, mode)

        /** A read-only cursor over [queue] that writes no file, starting at [start]. */
        @JvmStatic
        @JvmOverloads
        fun openReader(base: Path, queue: String, start: Start = Start.FirstPart): Consumer =
            Consumer(NativeConsumer.openReader(base.toString(), queue, start))
    }

    /** True when a record is ready for [popBody]. */
    fun popHeader(): Boolean {
        val ready = FastCalls.vqueue_pop_header(handle)
        Reference.reachabilityFence(this)
        return FastCalls.check(ready) == 1L
    }

    /** The body of the record announced by [popHeader]; null when none is. */
    fun popBody(): ByteArray? = popOne(FastCalls.POP_PENDING_ONLY)?.body

    /** Saves the position after the last popped record. */
    fun commit() {
        val done = FastCalls.vqueue_commit(handle)
        Reference.reachabilityFence(this)
        FastCalls.check(done)
    }

    /** Unread records in the current part. */
    val batchSize: Int get() = raw.getBatchSize().toInt()

    /** The next record, or null when everything has been read. */
    fun pop(): Message? = popOne(0)

    /** Up to [max] records in one call; fewer (maybe none) at the end. */
    fun popBatch(max: Int): List<Message> = popMany(max, 0)

    /** [pop] and [commit] in one call: the returned record is acknowledged. */
    fun popCommit(): Message? = popOne(FastCalls.POP_COMMIT)

    /** [popBatch] and [commit] in one call. */
    fun popBatchCommit(max: Int): List<Message> = popMany(max, FastCalls.POP_COMMIT)

    /** The records there are now, each popped as the sequence is iterated (not committed). */
    fun messages(): Sequence<Message> = generateSequence { pop() }

    private fun popOne(flags: Int): Message? {
        val s = Scratch.get()
        return if (popInto(s, 1, flags) == 0) null else message(s.data, s.meta, 0)
    }

    private fun popMany(max: Int, flags: Int): List<Message> {
        require(max >= 0) { "max must not be negative: $max" }
        // No fast call is made for nothing; the generated one still reports
        // a closed consumer, as every binding does.
        if (max == 0) return if (flags == 0) raw.popBatch(0u) else raw.popBatchCommit(0u)
        val s = Scratch.get()
        val out = ArrayList<Message>(minOf(max, FastCalls.POP_MAX))
        while (out.size < max) {
            val want = minOf(max - out.size, FastCalls.POP_MAX)
            val n = popInto(s, want, flags)
            for (i in 0 until n) out.add(message(s.data, s.meta, i))
            // Fewer than asked is the end, unless the call stopped for lack of room.
            if (n < want && s.meta.getInt(n * FastCalls.META_SIZE + FastCalls.META_MORE) == 0) break
        }
        return out
    }

    /**
     * One `vqueue_pop` of up to [max] records into [s]'s buffers; when not
     * even the first fits it grows the body buffer and asks again.
     */
    private fun popInto(s: Scratch, max: Int, flags: Int): Int {
        while (true) {
            val data = s.data(0)
            val meta = s.meta(max * FastCalls.META_SIZE)
            val n = FastCalls.check(FastCalls.vqueue_pop(handle, max, flags, data, data.capacity(), meta)).toInt()
            Reference.reachabilityFence(this)
            if (n > 0 || meta.getInt(FastCalls.META_MORE) == 0) return n
            s.data(meta.getInt(FastCalls.META_LEN))
        }
    }

    /** The [i]th record [popInto] left in the buffers; bodies lie end to end. */
    private fun message(data: ByteBuffer, meta: ByteBuffer, i: Int): Message {
        val at = i * FastCalls.META_SIZE
        val body = ByteArray(meta.getInt(at + FastCalls.META_LEN))
        data.get(body)
        return Message(
            body,
            MsgType.entries[meta.getInt(at + FastCalls.META_TYPE)],
            meta.getInt(at + FastCalls.META_PART).toUInt(),
            meta.getLong(at + FastCalls.META_OFFSET).toULong(),
        )
    }

    /**
     * Blocks the calling thread until a record is available (true) or
     * [timeout] passes (false).
     */
    fun wait(timeout: Duration): Boolean = raw.wait(timeout.toJavaDuration())

    /**
     * Suspends until a record is available (true) or [timeout] passes
     * (false), without blocking the dispatcher's thread: the engine polls
     * on a thread of its own and resumes the coroutine. Cancellable.
     */
    suspend fun await(timeout: Duration): Boolean = raw.waitAsync(timeout.toJavaDuration())

    /**
     * Every record from the current position on, waiting for new ones
     * forever. With [commit] true each record is committed once the
     * collector has processed it (at-least-once); otherwise the collector
     * commits when it likes.
     */
    fun tail(commit: Boolean = false, poll: Duration = 1.seconds): Flow<Message> = flow {
        while (true) {
            val m = pop()
            if (m == null) {
                await(poll)
                continue
            }
            emit(m)
            if (commit) commit()
        }
    }

    /** Unread records across all parts. */
    fun backlog(): Long = raw.backlog().toLong()

    /** After a corruption error: resumes at the next intact record; returns how many were lost. */
    fun skipCorrupt(): Long = raw.skipCorrupt().toLong()

    /** Flushes the saved position to stable storage. */
    fun sync() = raw.sync()

    /** Consumer name. */
    val name: String get() = raw.name()

    /** Name of the queue read. */
    val queueName: String get() = raw.queueName()

    /** Records popped in the current part. */
    val countPopped: Int get() = raw.countPopped().toInt()

    /** Id of the part being read. */
    val partId: Int get() = raw.partId().toInt()

    /** Byte offset after the last popped record. */
    val position: Long get() = raw.position().toLong()

    /** Type of the record announced by [popHeader]. */
    val msgType: MsgType? get() = raw.msgType()

    /** Decoded body length of the record announced by [popHeader]. */
    val recordLen: Int? get() = raw.recordLen()?.toInt()

    /** False once closed. */
    val isReady: Boolean get() = raw.isReady()

    /** Mode the consumer was opened with. */
    val mode: Mode get() = raw.mode()

    /** Releases the consumer without committing. Idempotent; later calls fail with [QueueException.Closed]. */
    override fun close() = raw.release()
}
