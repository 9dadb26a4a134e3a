package dev.vqueue

import java.nio.file.Files

/**
 * Warmed-up cost per message of the SDK's calls (100-byte bodies, tmpfs or
 * whatever `java.io.tmpdir` is), every body read back verified. Not a test:
 * `mvn -f kotlin/pom.xml -Pbench exec:java` prints one line per case.
 */
fun main(args: Array<String>) {
    val n = args.firstOrNull()?.toInt() ?: 100_000
    val body = ByteArray(100) { it.toByte() }
    fun case(name: String, run: () -> Int) {
        repeat(2) { run() } // warm-up: JIT, JNA structures
        val start = System.nanoTime()
        val done = run()
        val us = (System.nanoTime() - start) / 1000.0 / done
        println("%-34s %8.2f us/message".format(name, us))
    }
    fun withQueue(block: (Queue, Consumer) -> Int): Int {
        val base = Files.createTempDirectory("vqueue-bench")
        try {
            return Queue.open(base, "q").use { q -> Consumer.open(base, "c", "q").use { c -> block(q, c) } }
        } finally {
            base.toFile().deleteRecursively()
        }
    }
    fun verify(m: Message?) = check(m != null && m.body.contentEquals(body)) { "body differs" }

    case("push (one call each)") { withQueue { q, _ -> repeat(n) { q.push(body) }; n } }
    case("popHeader+popBody+commit") {
        withQueue { q, c ->
            q.pushBatch(List(n) { body })
            repeat(n) { check(c.popHeader()); check(c.popBody()!!.contentEquals(body)); c.commit() }
            n
        }
    }
    case("pop+commit") { withQueue { q, c -> q.pushBatch(List(n) { body }); repeat(n) { verify(c.pop()); c.commit() }; n } }
    case("popCommit") { withQueue { q, c -> q.pushBatch(List(n) { body }); repeat(n) { verify(c.popCommit()) }; n } }
    case("pushBatch(1000)") { withQueue { q, _ -> repeat(n / 1000) { q.pushBatch(List(1000) { body }) }; n } }
    case("popBatchCommit(1000)") {
        withQueue { q, c ->
            q.pushBatch(List(n) { body })
            var got = 0
            while (got < n) c.popBatchCommit(1000).also { b -> b.forEach { verify(it) }; got += b.size }
            n
        }
    }
}
