package dev.vqueue.conformance

import dev.vqueue.QueueException
import java.nio.file.Path
import kotlin.reflect.full.memberProperties
import java.security.MessageDigest
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

// The normalised forms of tests/conformance/schema.json, as scenario.py
// writes them; the driver compares this runner's traces with the others'.

/** Bodies up to this size made of printable ASCII are shown as text. */
private const val TEXT_MAX = 64

/** The bytes a body specification stands for (`body` in schema.json). */
fun bodyBytes(spec: JsonElement): ByteArray {
    if (spec is JsonPrimitive) return spec.content.encodeToByteArray()
    val o = spec.jsonObject
    o["text"]?.let { return it.jsonPrimitive.content.encodeToByteArray() }
    o["hex"]?.let { h -> return h.jsonPrimitive.content.chunked(2).map { it.toInt(16).toByte() }.toByteArray() }
    o["pattern"]?.let { p ->
        val pat = p.jsonPrimitive.content.encodeToByteArray()
        return ByteArray(o.getValue("len").jsonPrimitive.int) { pat[it % pat.size] }
    }
    o["zeros"]?.let { return ByteArray(it.jsonPrimitive.int) }
    throw IllegalArgumentException("unknown body spec $spec")
}

fun sha256(data: ByteArray): String =
    MessageDigest.getInstance("SHA-256").digest(data).joinToString("") { "%02x".format(it) }

fun bodyResult(data: ByteArray?): JsonElement = when {
    data == null -> JsonNull
    data.size <= TEXT_MAX && data.all { it in 0x20..0x7e } -> JsonPrimitive(data.decodeToString())
    else -> obj("len" to data.size, "sha256" to sha256(data))
}

/** A JSON value of what the SDK returns: numbers, strings, booleans, lists, null. */
fun json(v: Any?): JsonElement = when (v) {
    null, Unit -> JsonNull
    is JsonElement -> v
    is Boolean -> JsonPrimitive(v)
    is Number -> JsonPrimitive(v)
    is UInt -> JsonPrimitive(v.toLong())
    is ULong -> JsonPrimitive(v.toLong())
    is String -> JsonPrimitive(v)
    is List<*> -> JsonArray(v.map(::json))
    else -> throw IllegalArgumentException("no JSON form for ${v::class}")
}

fun obj(vararg fields: Pair<String, Any?>): JsonObject = JsonObject(fields.associate { (k, v) -> k to json(v) })

/** A path from the SDK, relative to the queue base with `/`. */
fun relPath(base: Path, p: String?): String? {
    if (p == null) return null
    val sep = base.fileSystem.separator
    val prefix = listOf(base.toString() + sep, base.toRealPath().toString() + sep).firstOrNull { p.startsWith(it) }
    return (if (prefix == null) p else p.substring(prefix.length)).replace(sep, "/")
}

fun error(kind: String, vararg fields: Pair<String, Any?>): JsonObject =
    obj("error" to JsonObject(mapOf("kind" to json(kind)) + fields.filter { it.second != null }.associate { (k, v) -> k to json(v) }))

/**
 * The kind of an SDK error is its class in the sealed hierarchy generated
 * from the engine's error table; its fields are those the schema compares.
 */
fun classify(base: Path, e: Throwable): JsonObject? = when (e) {
    is QueueException -> error(
        e::class.simpleName!!,
        *ERROR_FIELDS.map { f -> f to field(e, f).let { if (f == "path") relPath(base, it as String?) else it } }.toTypedArray(),
    )
    // A file step on a file that is not there.
    is java.nio.file.NoSuchFileException -> error("NotFound")
    else -> null
}

/** The error fields the schema compares (errno and the message text differ by platform). */
private val ERROR_FIELDS = listOf("path", "offset", "name", "length")

/** Every kind's class declares the same fields; read them by name. */
private fun field(e: QueueException, name: String): Any? =
    e::class.memberProperties.single { it.name == name }.getter.call(e)
