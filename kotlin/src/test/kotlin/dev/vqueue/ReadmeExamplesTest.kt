package dev.vqueue

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test

/** The original README's scenarios, as kotlin/README.md shows them. */
class ReadmeExamplesTest {
    @Test
    fun `basic example pushes five messages and a consumer reads them with commits`() = withTempDir { base ->
        Queue.open(base, "my_queue", Mode.READ_WRITE).use { queue ->
            for (i in 0 until 5) queue.push(i.toString().encodeToByteArray(), MsgType.STRING)
            assertEquals(5, queue.countPushed)
            assertEquals("my_queue", queue.name)
            assertTrue(queue.isReady)
        }
        val received = mutableListOf<String>()
        Consumer.open(base, "consumer1", "my_queue").use { consumer ->
            while (consumer.popHeader()) {
                val message = consumer.popBody() ?: continue
                received += message.decodeToString()
                consumer.commit()
            }
            assertEquals(5, consumer.countPopped)
        }
        assertEquals(listOf("0", "1", "2", "3", "4"), received)
        // Committed: the same consumer resumes after the last message.
        Consumer.open(base, "consumer1", "my_queue").use { assertFalse(it.popHeader()) }
    }

    @Test
    fun `every consumer receives every message`() = withTempDir { base ->
        Queue.open(base, "my_queue").use { q -> listOf("a", "b").forEach { q.push(it) } }
        for (name in listOf("consumer1", "consumer2")) {
            Consumer.open(base, name, "my_queue").use { c ->
                val got = c.messages().map { it.body.decodeToString() }.toList()
                c.commit()
                assertEquals(listOf("a", "b"), got, name)
            }
        }
    }

    @Test
    fun `existing consumers read across parts, new ones start at the current part`() = withTempDir { base ->
        val q1 = Queue.open(base, "my_queue", Mode.READ_WRITE)
        q1.push("message1".encodeToByteArray(), MsgType.STRING)
        q1.push("message2".encodeToByteArray(), MsgType.STRING)
        val early = Consumer.open(base, "early", "my_queue")
        assertEquals("message1", early.pop()!!.body.decodeToString())
        early.commit()
        val q2 = Queue.open(base, "my_queue", Mode.READ_WRITE)
        q2.push("message3".encodeToByteArray(), MsgType.STRING)
        q2.push("message4".encodeToByteArray(), MsgType.STRING)
        assertFalse(q1.isReady, "the second writer took the queue over")
        assertEquals(
            listOf("message2", "message3", "message4"),
            early.messages().map { it.body.decodeToString() }.toList(),
        )
        val late = Consumer.open(base, "late", "my_queue")
        assertEquals(listOf("message3", "message4"), late.messages().map { it.body.decodeToString() }.toList())
        listOf(early, late, q1, q2).forEach { it.close() }
    }
}
