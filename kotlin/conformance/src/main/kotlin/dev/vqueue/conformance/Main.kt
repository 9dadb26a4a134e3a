package dev.vqueue.conformance

import java.io.FileDescriptor
import java.io.FileOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/**
 * The conformance runner of the Kotlin SDK (tests/conformance/runner.py's
 * protocol): each input line is `{"scenario": {...}, "base": DIR|null}`,
 * each output line `{"name": ..., "results": [...]}`. With `base` null the
 * scenario runs in a fresh temporary directory.
 */
fun main() {
    // The traces own standard output; anything else printed goes to stderr.
    val out = PrintStream(FileOutputStream(FileDescriptor.out), false, Charsets.UTF_8)
    System.setOut(System.err)
    val input = System.`in`.bufferedReader(Charsets.UTF_8)
    while (true) {
        val line = input.readLine() ?: break
        if (line.isBlank()) continue
        val req = Json.parseToJsonElement(line).jsonObject
        val scenario = req.getValue("scenario").jsonObject
        val given = req["base"]?.jsonPrimitive?.contentOrNull
        val trace = if (given != null) {
            runScenario(scenario, Path.of(given))
        } else {
            val dir = Files.createTempDirectory("vqc-")
            try {
                runScenario(scenario, dir)
            } finally {
                dir.toFile().deleteRecursively()
            }
        }
        out.println(trace.toString())
        out.flush()
    }
}
