package dev.vqueue

import net.jqwik.api.Arbitraries
import net.jqwik.api.Arbitrary
import net.jqwik.api.ForAll
import net.jqwik.api.Property
import net.jqwik.api.Provide
import net.jqwik.api.Tuple
import kotlin.test.assertEquals
import kotlin.test.assertContentEquals

/**
 * Random sequences of writer and consumer operations against a model: the
 * pushed messages in order, a read position and a committed position.
 */
class ModelPropertyTest {
    sealed interface Op {
        data class Push(val body: ByteArray, val type: MsgType) : Op
        data class PushBatch(val bodies: List<ByteArray>) : Op
        data object Pop : Op
        data class PopBatch(val max: Int) : Op
        data object Commit : Op
        data object ReopenConsumer : Op
        data object NewPart : Op
    }

    @Provide
    fun ops(): Arbitrary<List<Op>> {
        val body = Arbitraries.bytes().array(ByteArray::class.java).ofMaxSize(300)
        val type = Arbitraries.of(MsgType.STRING, MsgType.OBJECT)
        val op = Arbitraries.frequencyOf<Op>(
            Tuple.of(5, net.jqwik.api.Combinators.combine(body, type).`as` { b, t -> Op.Push(b, t) as Op }),
            Tuple.of(2, body.list().ofMaxSize(8).map { Op.PushBatch(it) as Op }),
            Tuple.of(5, Arbitraries.just(Op.Pop as Op)),
            Tuple.of(2, Arbitraries.integers().between(0, 6).map { Op.PopBatch(it) as Op }),
            Tuple.of(3, Arbitraries.just(Op.Commit as Op)),
            Tuple.of(1, Arbitraries.just(Op.ReopenConsumer as Op)),
            Tuple.of(1, Arbitraries.just(Op.NewPart as Op)),
        )
        return op.list().ofMaxSize(40)
    }

    @Property(tries = 60)
    fun `the queue behaves as the model`(@ForAll("ops") ops: List<Op>) = withTempDir { base ->
        val pushed = mutableListOf<Pair<ByteArray, MsgType>>()
        var read = 0
        var committed = 0
        var q = Queue.open(base, "q")
        var c = Consumer.open(base, "c", "q")
        c.commit() // registers the consumer at the first part
        try {
            for (op in ops) {
                when (op) {
                    is Op.Push -> {
                        q.push(op.body, op.type)
                        pushed += op.body to op.type
                    }
                    is Op.PushBatch -> {
                        q.pushBatch(op.bodies, MsgType.OBJECT)
                        op.bodies.forEach { pushed += it to MsgType.OBJECT }
                    }
                    Op.Pop -> {
                        val m = c.pop()
                        if (read < pushed.size) {
                            assertContentEquals(pushed[read].first, m!!.body)
                            assertEquals(pushed[read].second, m.msgType)
                            read++
                        } else {
                            assertEquals(null, m)
                        }
                    }
                    is Op.PopBatch -> {
                        val got = c.popBatch(op.max)
                        val want = pushed.subList(read, minOf(pushed.size, read + op.max))
                        assertEquals(want.size, got.size)
                        got.zip(want).forEach { (g, w) -> assertContentEquals(w.first, g.body) }
                        read += got.size
                    }
                    Op.Commit -> {
                        c.commit()
                        committed = read
                    }
                    Op.ReopenConsumer -> {
                        c.close()
                        c = Consumer.open(base, "c", "q")
                        read = committed
                    }
                    Op.NewPart -> {
                        q.close()
                        q = Queue.open(base, "q")
                    }
                }
                assertEquals((pushed.size - read).toLong(), c.backlog(), "backlog after $op")
            }
        } finally {
            c.close()
            q.close()
        }
    }
}
