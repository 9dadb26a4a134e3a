package dev.vqueue.conformance

import dev.vqueue.Consumer
import dev.vqueue.Durability
import dev.vqueue.Format
import dev.vqueue.Message
import dev.vqueue.Mode
import dev.vqueue.MsgType
import dev.vqueue.Queue
import dev.vqueue.QueueException
import dev.vqueue.Start
import dev.vqueue.cleanup
import dev.vqueue.inspect
import dev.vqueue.repair
import dev.vqueue.verify
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.boolean
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long

// What a step means lives in the scenario data and in runner.py's
// `dispatch`; this is the same dispatch on the Kotlin SDK. Names in the
// scenarios are the SDK's enum names in lower case (`read_write`, `v3`,
// `sync`), and a type is its first letter (`S`, `O`).

private fun mode(s: String) = Mode.valueOf(s.uppercase())

private fun format(s: String) = Format.valueOf(s.uppercase())

private fun durability(s: String) = Durability.valueOf(s.uppercase())

private fun msgType(s: String) = MsgType.entries.single { it.name.first() == s.single() }

private fun letter(t: MsgType) = t.name.first().toString()

private fun formatName(f: Format) = f.name.lowercase()

private fun start(spec: JsonElement?): Start = when {
    spec == null -> Start.FirstPart
    spec is JsonObject -> Start.Consumer(spec.str("consumer"))
    spec.jsonPrimitive.content == "first" -> Start.FirstPart
    spec.jsonPrimitive.content == "current" -> Start.CurrentPart
    else -> throw IllegalArgumentException("unknown start $spec")
}

private fun message(m: Message?): Any? =
    m?.let { obj("body" to bodyResult(it.body), "type" to letter(it.msgType), "part" to it.part, "offset" to it.offset) }

private val MAINTENANCE = setOf("inspect", "verify", "repair", "cleanup")

class Runner(private val base: Path) {
    private val handles = LinkedHashMap<String, AutoCloseable>()

    /** Drops a handle as a garbage-collected one would be: closed, errors ignored. */
    private fun drop(h: String) {
        handles.remove(h)?.let { runCatching { it.close() } }
    }

    fun closeAll() = handles.keys.toList().forEach(::drop)

    /** One step's `ok` value, or [Absent] when the step names a handle that is not open. */
    fun dispatch(step: JsonObject): Any? {
        val op = step.str("op")
        if (op in FILE_OPS) return fileStep(base, step)
        if (op in MAINTENANCE) return maintenance(op, step)
        if (op == "validate_name") return validateName(step.str("name"))
        val h = step["handle"]?.jsonPrimitive?.content ?: ""
        when (op) {
            "open_writer" -> {
                drop(h)
                handles[h] = Queue.open(
                    base, step.str("queue"), mode(step.strOr("mode", "read_write")),
                    format(step.strOr("format", "v2")), durability(step.strOr("durability", "none")),
                )
                return null
            }
            "open_consumer" -> {
                drop(h)
                handles[h] = Consumer.open(base, step.str("consumer"), step.str("queue"), mode(step.strOr("mode", "read_write")))
                return null
            }
            "open_reader" -> {
                drop(h)
                handles[h] = Consumer.openReader(base, step.str("queue"), start(step["start"]))
                return null
            }
        }
        val handle = handles[h] ?: return Absent(h)
        if (op == "drop") {
            drop(h)
            return null
        }
        return when (handle) {
            is Queue -> onWriter(handle, op, step)
            is Consumer -> onConsumer(handle, op, step)
            else -> throw IllegalStateException("unknown handle $handle")
        }
    }

    private fun bodies(step: JsonObject) = step.getValue("bodies").jsonArray.map(::bodyBytes)

    private fun type(step: JsonObject) = msgType(step.strOr("type", "S"))

    private fun onWriter(q: Queue, op: String, step: JsonObject): Any? = when (op) {
        "push" -> q.push(bodyBytes(step.getValue("body")), type(step))
        "push_batch" -> q.pushBatch(bodies(step), type(step))
        "sync" -> q.sync()
        "close" -> q.close()
        "state" -> obj(
            "count_pushed" to q.countPushed, "is_ready" to q.isReady, "part_id" to q.partId,
            "right_edge" to q.rightEdge, "format" to formatName(q.format),
        )
        else -> throw IllegalArgumentException("$op on a writer")
    }

    private fun onConsumer(c: Consumer, op: String, step: JsonObject): Any? = when (op) {
        "pop_header" -> c.popHeader()
        "pop_body" -> bodyResult(c.popBody())
        "pop" -> message(c.pop())
        "read_all" -> generateSequence { c.pop() }.map(::message).toList()
        "pop_batch" -> c.popBatch(step.getValue("max").jsonPrimitive.int).map(::message)
        "commit" -> c.commit()
        "get_batch_size" -> c.batchSize
        "backlog" -> c.backlog()
        "wait" -> c.wait((step["timeout_ms"]?.jsonPrimitive?.long ?: 0).milliseconds)
        "skip_corrupt" -> c.skipCorrupt()
        "sync" -> c.sync()
        "close" -> c.close()
        "state" -> obj(
            "count_popped" to c.countPopped, "is_ready" to c.isReady, "part_id" to c.partId,
            "position" to c.position, "msg_type" to c.msgType?.let(::letter), "record_len" to c.recordLen,
        )
        else -> throw IllegalArgumentException("$op on a consumer")
    }

    private fun maintenance(op: String, step: JsonObject): Any {
        val queue = step.str("queue")
        return when (op) {
            "inspect" -> inspect(base, queue).let { i ->
                obj(
                    "writer_part" to i.writerPart, "writer_active" to i.writerActive,
                    "parts" to i.parts.map {
                        obj(
                            "id" to it.id, "format" to formatName(it.format), "count" to it.count,
                            "right_edge" to it.rightEdge, "file_size" to it.fileSize, "has_dict" to it.hasDict,
                            "problem" to (it.problem != null),
                        )
                    },
                    "consumers" to i.consumers.map {
                        obj(
                            "name" to it.name, "part" to it.part, "offset" to it.offset, "popped" to it.popped,
                            "lag" to it.lag, "problem" to (it.problem != null),
                        )
                    },
                )
            }
            "verify" -> verify(base, queue).let { r ->
                obj(
                    "parts" to r.parts, "records" to r.records,
                    "problems" to r.problems.map { obj("file" to relPath(base, it.file), "part" to it.part, "offset" to it.offset) },
                )
            }
            "repair" -> repair(base, queue).let { obj("parts" to it.parts, "records" to it.records) }
            "cleanup" -> cleanup(base, queue, step["dry_run"]?.jsonPrimitive?.boolean ?: false).let {
                obj("removed" to it.removed, "kept" to it.kept.size, "bytes_freed" to it.bytesFreed)
            }
            else -> throw IllegalArgumentException("unknown maintenance $op")
        }
    }

    /** The SDK has no name check of its own: `inspect` checks the name before it touches a file. */
    private fun validateName(name: String): Any? {
        val empty = Files.createTempDirectory("vqc-name-")
        try {
            inspect(empty, name)
        } catch (_: QueueException.NotFound) {
        } finally {
            empty.toFile().deleteRecursively()
        }
        return null
    }
}

/** The result of a step on a handle that is not open. */
class Absent(val handle: String)

/** Runs a scenario in [base]; one normalised result per step. */
fun runScenario(scenario: JsonObject, base: Path): JsonObject {
    val runner = Runner(base)
    val results = scenario.getValue("steps").jsonArray.map { step ->
        try {
            when (val v = runner.dispatch(step.jsonObject)) {
                is Absent -> obj("absent" to v.handle)
                else -> obj("ok" to v)
            }
        } catch (e: Exception) {
            // A failure to classify is a crash of its own, not of the runner.
            val classified = try {
                classify(base, e)
            } catch (c: Exception) {
                crash(c)
            }
            classified ?: crash(e)
        }
    }
    runner.closeAll()
    return obj("name" to scenario.getValue("name"), "results" to results)
}

private fun crash(e: Exception) = obj("crash" to "${e::class.simpleName}: ${e.message}", "trace" to e.stackTraceToString().take(2000))
