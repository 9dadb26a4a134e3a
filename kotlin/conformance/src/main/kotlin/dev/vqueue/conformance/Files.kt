package dev.vqueue.conformance

import java.io.RandomAccessFile
import java.nio.file.Files
import java.nio.file.NoSuchFileException
import java.nio.file.Path
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long

// Damage and file steps: done by every runner on the files themselves, as
// scenario.py does them.

val FILE_OPS = setOf("files", "digest", "delete", "empty", "truncate", "flip", "write")

/** Runs a file step; returns its `ok` value. */
fun fileStep(base: Path, step: JsonObject): Any? {
    val op = step.str("op")
    if (op == "files") {
        return Files.walk(base).use { s ->
            s.filter { !Files.isDirectory(it) }
                .map { listOf(relPath(base, it.toString())!!, Files.size(it)) }
                .toList()
        }.sortedWith(compareBy({ it[0] as String }, { it[1] as Long }))
    }
    val path = base.resolve(step.str("path"))
    if (op == "write") {
        Files.write(path, step.str("text").encodeToByteArray())
        return null
    }
    if (!Files.exists(path)) throw NoSuchFileException(step.str("path"))
    when (op) {
        "digest" -> return sha256(Files.readAllBytes(path))
        "delete" -> path.toFile().deleteRecursively()
        "empty" -> setLength(path, 0)
        "truncate" -> {
            val n = step.getValue("len").jsonPrimitive.long
            setLength(path, if (n >= 0) n else maxOf(Files.size(path) + n, 0))
        }
        "flip" -> {
            val data = Files.readAllBytes(path)
            var off = step.getValue("offset").jsonPrimitive.int
            if (off < 0) off += data.size
            data[off] = (data[off].toInt() xor (step["mask"]?.jsonPrimitive?.int ?: 0xFF)).toByte()
            Files.write(path, data)
        }
        else -> throw IllegalArgumentException("unknown file op $op")
    }
    return null
}

/** Shortens or lengthens (with zeros) like os.truncate. */
private fun setLength(path: Path, n: Long) = RandomAccessFile(path.toFile(), "rw").use { it.setLength(n) }

fun JsonObject.str(key: String): String = getValue(key).jsonPrimitive.content

fun JsonObject.strOr(key: String, default: String): String = this[key]?.jsonPrimitive?.content ?: default
