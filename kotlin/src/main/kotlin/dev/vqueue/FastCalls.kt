package dev.vqueue

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.NativeLibrary
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * The native library's C functions for the per-message calls (see
 * `bindings/ffi/src/fast.rs`), bound by JNA direct mapping: primitive
 * arguments and direct buffers, no structure or buffer allocated per call.
 * A generated call costs two native calls and several JNA allocations;
 * these cost one call. JNA passes a buffer's address at its position, so
 * every buffer goes in positioned at 0. Errors come back through the generated [takeError],
 * so they are the same [QueueException]s.
 */
internal object FastCalls {
    init {
        // Loads (and checks) the library through the generated code first.
        UniffiLib.ensureInitialized()
        // The generated code's lookup. JNA caches a library by name and
        // options, and Native.register(Class, String) passes the class
        // loader: the same name and options give the same loaded library.
        // Other options would load it a second time, which from a jar is a
        // second extracted copy with its own error slot, so take_error would
        // never see the fast calls' errors.
        val name = System.getProperty("uniffi.component.vqueue_uniffi.libraryOverride") ?: "vqueue_ffi"
        val options = mapOf(Library.OPTION_CLASSLOADER to UniffiLib::class.java.classLoader)
        Native.register(FastCalls::class.java, NativeLibrary.getInstance(name, options))
    }

    /** `vqueue_pop` flag: commit in the same call. */
    const val POP_COMMIT = 1

    /** `vqueue_pop` flag: only a record already announced by `pop_header`. */
    const val POP_PENDING_ONLY = 2

    /** Bytes of one `RecordMeta`, and where its fields are. */
    const val META_SIZE = 24
    const val META_OFFSET = 0
    const val META_PART = 8
    const val META_LEN = 12
    const val META_TYPE = 16
    const val META_MORE = 20

    /** Records one `vqueue_pop` call returns at most (its meta buffer stays under 100 KiB). */
    const val POP_MAX = 4096

    @JvmStatic external fun vqueue_push(queue: Long, body: ByteBuffer, len: Int, msgType: Int): Long

    @JvmStatic external fun vqueue_push_batch(queue: Long, data: ByteBuffer, lens: ByteBuffer, count: Int, msgType: Int): Long

    @JvmStatic external fun vqueue_pop(consumer: Long, max: Int, flags: Int, out: ByteBuffer, cap: Int, metas: ByteBuffer): Long

    @JvmStatic external fun vqueue_pop_header(consumer: Long): Long

    @JvmStatic external fun vqueue_commit(consumer: Long): Long

    @JvmStatic external fun vqueue_release_queue(queue: Long)

    @JvmStatic external fun vqueue_release_consumer(consumer: Long)

    /** The result of a fast call, or its error thrown as the generated code throws it. */
    fun check(result: Long): Long {
        if (result < 0) {
            takeError()
            throw IllegalStateException("a native call failed without an error")
        }
        return result
    }
}

/**
 * Each thread's buffers for the fast calls, grown on demand: bodies end to
 * end, and their lengths (push) or `RecordMeta`s (pop).
 */
internal class Scratch {
    var data: ByteBuffer = direct(64 * 1024)
        private set
    var meta: ByteBuffer = direct(256 * FastCalls.META_SIZE)
        private set

    /** [data] with room for [bytes], positioned at 0. */
    fun data(bytes: Int): ByteBuffer {
        if (data.capacity() < bytes) data = direct(maxOf(bytes, data.capacity() * 2))
        return data.clear()
    }

    /** [meta] with room for [bytes], positioned at 0. */
    fun meta(bytes: Int): ByteBuffer {
        if (meta.capacity() < bytes) meta = direct(maxOf(bytes, meta.capacity() * 2))
        return meta.clear()
    }

    companion object {
        private val perThread = ThreadLocal.withInitial { Scratch() }

        fun get(): Scratch = perThread.get()

        private fun direct(n: Int): ByteBuffer = ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder())
    }
}
