package example

import dev.vqueue.Consumer
import dev.vqueue.Queue
import java.nio.file.Files

/** Pushes and reads back through the jar alone; exits non-zero on a mismatch. */
fun main() {
    val base = Files.createTempDirectory("vqueue-consumer-check")
    try {
        Queue.open(base, "orders").use { q -> (1..3).forEach { q.push("order $it") } }
        val got = Consumer.open(base, "billing", "orders").use { c ->
            c.messages().map { it.body.decodeToString() }.toList().also { c.commit() }
        }
        check(got == listOf("order 1", "order 2", "order 3")) { "read back $got" }
        println("consumer-check: read ${got.size} messages through the packaged jar")
    } finally {
        base.toFile().deleteRecursively()
    }
}
