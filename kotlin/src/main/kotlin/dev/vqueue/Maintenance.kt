package dev.vqueue

import java.nio.file.Path

/** Parts and consumers of [queue] in [base], as its metadata describes them. */
fun inspect(base: Path, queue: String): QueueInfo = inspect(base.toString(), queue)

/** Reads every record and reports what is damaged; changes nothing. */
fun verify(base: Path, queue: String, progress: ((Progress) -> Unit)? = null): VerifyReport =
    verify(base.toString(), queue, progress?.let(::listener))

/** Rebuilds the metadata from the intact records; never deletes a record. */
fun repair(base: Path, queue: String, progress: ((Progress) -> Unit)? = null): RepairReport =
    repair(base.toString(), queue, progress?.let(::listener))

/** Removes the parts every consumer has read past; [dryRun] only reports. */
fun cleanup(base: Path, queue: String, dryRun: Boolean = false): CleanupReport =
    cleanup(base.toString(), queue, dryRun)

private fun listener(f: (Progress) -> Unit) =
    object : ProgressListener { override fun progress(progress: Progress) = f(progress) }
