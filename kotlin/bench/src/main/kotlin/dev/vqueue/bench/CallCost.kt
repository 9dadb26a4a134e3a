package dev.vqueue.bench

import dev.vqueue.Consumer
import dev.vqueue.Durability
import dev.vqueue.Format
import dev.vqueue.Mode
import dev.vqueue.MsgType
import dev.vqueue.NativeConsumer
import dev.vqueue.NativeQueue
import dev.vqueue.Queue
import java.nio.ByteBuffer
import java.nio.file.Path

/**
 * Where a call's time goes: the cost per message of each call pattern,
 * through the generated UniFFI classes (`NativeQueue`, `NativeConsumer`)
 * and through the SDK's fast calls, 100-byte bodies on tmpfs, every body
 * compared. Run it under a profiler (JFR) to see what each costs:
 *
 *   run.sh --quick dev.vqueue.bench.CallCostKt
 */
fun main(args: Array<String>) {
    val quick = "--quick" in args
    val root = Path.of("/dev/shm")
    // The generated calls are two orders of magnitude slower: fewer of them.
    val sdkBodies = bodies(if (quick) 5_000 else 200_000)
    val generatedBodies = bodies(if (quick) 1_000 else 10_000)
    var expected = sdkBodies
    var batches = expected.asList().chunked(BATCH)
    fun case(name: String, run: (Path) -> Unit) {
        expected = if (name.startsWith("generated")) generatedBodies else sdkBodies
        batches = expected.asList().chunked(BATCH)
        repeat(2) { withDir(root, run) } // warm-up: JIT, JNA
        val ns = withDir(root) { dir -> timed { run(dir) } }
        println("%-44s %9.3f us/message".format(name, ns / 1000.0 / expected.size))
    }
    fun generated(block: (NativeQueue, NativeConsumer) -> Unit): (Path) -> Unit = { dir ->
        NativeQueue.openWith(dir.toString(), "q", Mode.READ_WRITE, Format.V2, Durability.NONE).use { q ->
            NativeConsumer.open(dir.toString(), "c", "q", Mode.READ_WRITE).use { c -> block(q, c) }
        }
    }
    fun sdk(block: (Queue, Consumer) -> Unit): (Path) -> Unit = { dir ->
        Queue.open(dir, "q").use { q -> Consumer.open(dir, "c", "q").use { c -> block(q, c) } }
    }
    val direct = ByteBuffer.allocateDirect(BODY_LEN)

    case("generated push") { dir ->
        generated { q, _ -> for (b in expected) q.push(direct.clear().put(b).flip(), MsgType.STRING) }(dir)
    }
    case("generated pop + commit") { dir ->
        generated { q, c ->
            q.pushBatch(expected.asList(), MsgType.STRING)
            for (i in expected.indices) { verify(c.pop()?.body, expected, i); c.commit() }
        }(dir)
    }
    case("generated pushBatch(1000)") { dir -> generated { q, _ -> for (b in batches) q.pushBatch(b, MsgType.STRING) }(dir) }
    case("SDK push") { dir -> sdk { q, _ -> for (b in expected) q.push(b) }(dir) }
    case("SDK pop + commit") { dir ->
        sdk { q, c ->
            q.pushBatch(expected.asList())
            for (i in expected.indices) { verify(c.pop()?.body, expected, i); c.commit() }
        }(dir)
    }
    case("SDK popHeader + popBody + commit") { dir ->
        sdk { q, c ->
            q.pushBatch(expected.asList())
            for (i in expected.indices) { check(c.popHeader()); verify(c.popBody(), expected, i); c.commit() }
        }(dir)
    }
    case("SDK pushBatch(1000)") { dir -> sdk { q, _ -> for (b in batches) q.pushBatch(b) }(dir) }
    case("SDK popBatchCommit(1000)") { dir ->
        sdk { q, c ->
            q.pushBatch(expected.asList())
            var i = 0
            while (i < expected.size) for (m in c.popBatchCommit(BATCH)) verify(m.body, expected, i++)
        }(dir)
    }
}
