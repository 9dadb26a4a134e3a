package dev.vqueue

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
    fun popHeader(): Boolean = raw.popHeader()

    /** The body of the record announced by [popHeader]; null when none is. */
    fun popBody(): ByteArray? = raw.popBody()

    /** Saves the position after the last popped record. */
    fun commit() = raw.commit()

    /** Unread records in the current part. */
    val batchSize: Int get() = raw.getBatchSize().toInt()

    /** The next record, or null when everything has been read. */
    fun pop(): Message? = raw.pop()

    /** Up to [max] records in one call; fewer (maybe none) at the end. */
    fun popBatch(max: Int): List<Message> = raw.popBatch(max.toUInt())

    /** [pop] and [commit] in one call: the returned record is acknowledged. */
    fun popCommit(): Message? = raw.popCommit()

    /** [popBatch] and [commit] in one call. */
    fun popBatchCommit(max: Int): List<Message> = raw.popBatchCommit(max.toUInt())

    /** The records there are now, each popped as the sequence is iterated (not committed). */
    fun messages(): Sequence<Message> = generateSequence { raw.pop() }

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
            val m = raw.pop()
            if (m == null) {
                await(poll)
                continue
            }
            emit(m)
            if (commit) raw.commit()
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
