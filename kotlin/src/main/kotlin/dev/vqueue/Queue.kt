/**
 * The Kotlin SDK of v-queue, a persistent, file-based message queue.
 *
 * [Queue] and [Consumer] are the handles; records ([Message], reports),
 * enums ([Mode], [MsgType], [Format], [Durability], [Start]) and the sealed
 * [QueueException] hierarchy are generated from the Rust library by UniFFI
 * into this package at build time, beside `NativeQueue`/`NativeConsumer`,
 * the generated handles the SDK's wrap.
 */
package dev.vqueue

import java.lang.ref.Reference
import java.nio.file.Path

/**
 * A queue opened for writing (or as a read-only view of its current part).
 *
 * Close it with [close] or `use {}`; a handle may be shared between threads
 * (calls are serialised).
 */
class Queue private constructor(private val raw: NativeQueue) : AutoCloseable {
    /** A reference of the native handle for the fast calls, given back when this object is collected. */
    private val handle: Long = raw.uniffiCloneHandle().also { h ->
        UniffiLib.CLEANER.register(this, Runnable { FastCalls.vqueue_release_queue(h) })
    }

    companion object {
        /**
         * Opens queue [name] in directory [base]. A [Mode.READ_WRITE] handle
         * starts a new part; a second writer in another process fails with
         * [QueueException.AlreadyOpen].
         */
        @JvmStatic
        @JvmOverloads
        fun open(
            base: Path,
            name: String,
            mode: Mode = Mode.READ_WRITE,
            format: Format = Format.V2,
            durability: Durability = Durability.NONE,
        ): Queue = Queue(NativeQueue.openWith(base.toString(), name, mode, format, durability))

        /** [open] with the directory as a string. */
        @JvmStatic
        @JvmOverloads
        fun open(base: String, name: String, mode: Mode = Mode.READ_WRITE): Queue = open(Path.of(base), name, mode)
    }

    /** Appends one record; returns the part's byte length after it. */
    @JvmOverloads
    fun push(body: ByteArray, type: MsgType = MsgType.STRING): Long {
        val buf = Scratch.get().data(body.size).put(body).flip()
        val edge = FastCalls.vqueue_push(handle, buf, body.size, type.ordinal)
        Reference.reachabilityFence(this)
        return FastCalls.check(edge)
    }

    /** Appends [text] as UTF-8. */
    @JvmOverloads
    fun push(text: String, type: MsgType = MsgType.STRING): Long = push(text.encodeToByteArray(), type)

    /** Appends [bodies] in order with one call and one metadata update. */
    @JvmOverloads
    fun pushBatch(bodies: List<ByteArray>, type: MsgType = MsgType.STRING): Long {
        val scratch = Scratch.get()
        var total = 0L
        for (b in bodies) total += b.size
        require(total <= Int.MAX_VALUE) { "a batch holds at most 2 GiB of bodies; split it" }
        val data = scratch.data(total.toInt())
        val lens = scratch.meta(bodies.size * 4)
        for (b in bodies) {
            data.put(b)
            lens.putInt(b.size)
        }
        val edge = FastCalls.vqueue_push_batch(handle, data.flip(), lens.flip(), bodies.size, type.ordinal)
        Reference.reachabilityFence(this)
        return FastCalls.check(edge)
    }

    /** Puts data and metadata on stable storage now. */
    fun sync() = raw.sync()

    /** Queue name. */
    val name: String get() = raw.name()

    /** Records in the current part. */
    val countPushed: Int get() = raw.countPushed().toInt()

    /** False once closed or taken over by a newer writer in this process. */
    val isReady: Boolean get() = raw.isReady()

    /** Id of the part being written. */
    val partId: Int get() = raw.partId().toInt()

    /** Byte length of the current part's committed data. */
    val rightEdge: Long get() = raw.rightEdge().toLong()

    /** Format of the current part. */
    val format: Format get() = raw.format()

    /** Mode the queue was opened with. */
    val mode: Mode get() = raw.mode()

    /** Releases the queue. Idempotent; later calls fail with [QueueException.Closed]. */
    override fun close() = raw.release()
}
