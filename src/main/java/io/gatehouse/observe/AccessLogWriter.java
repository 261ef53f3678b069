package io.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.netty.util.internal.PlatformDependent;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes access-log lines off the event loops. An event loop gathers its lines into chunks ({@link LineBatch}) and
 * offers each chunk to a bounded lock-free queue (Netty's JCTools MPSC array, the queue its own event loops use); one
 * daemon thread drains it to the output. A full queue, an output that fails, or one too slow to keep up drops lines,
 * counted in {@code gatehouse_access_log_dropped_total}: a stalled log pipe must never slow or stop the traffic it
 * logs.
 *
 * <p>Lines go out in writes that end at a line's end, of at most {@value #CHUNK} bytes to a pipe (on Linux a write to
 * a pipe up to PIPE_BUF, 4096 bytes, is never interleaved with another writer's, and the console log writes to the
 * same stdout) and of at most {@value #FILE_CHUNK} to a regular file (where each write is whole anyway).
 *
 * <p>The event loops never wake the writer: waking a parked thread is a system call, and a writer woken for each
 * line would also write each line alone. It looks again every {@value #BUSY_PARK_MILLIS} ms while lines come (a
 * line waits that long at most, the queue holds many times more than that), every {@value #IDLE_PARK_MILLIS} ms
 * once none came for a second.
 */
final class AccessLogWriter {
    private static final Logger LOG = Logger.getLogger(AccessLogWriter.class);
    static final int CHUNK = 4096;
    static final int FILE_CHUNK = 65536;
    static final int BUSY_PARK_MILLIS = 2;
    static final int IDLE_PARK_MILLIS = 100;

    /** Lines ending in a newline, {@code lines} of them in the first {@code length} bytes. */
    private record Chunk(byte[] bytes, int length, int lines) {
    }

    private final Queue<Chunk> queue;
    /** The lines in the queue, bounded by the capacity (a chunk holds one line or many). */
    private final java.util.concurrent.atomic.AtomicInteger queuedLines = new java.util.concurrent.atomic.AtomicInteger();
    /** The memory the queued chunks hold, bounded by {@link #MAX_QUEUED_BYTES} whatever their lines. */
    private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
    static final long MAX_QUEUED_BYTES = 16L << 20;
    private final int capacity;
    private final OutputStream out;
    private final Counter dropped;
    private final Thread thread;
    private final byte[] chunk;
    private int filled;
    private int linesInChunk;
    private long lastErrorLog;
    private long lastLineNanos;
    private volatile boolean closing;

    AccessLogWriter(OutputStream out, int capacity, Counter dropped) {
        this(out, capacity, dropped, CHUNK);
    }

    /** @param chunkBytes the largest write: {@link #CHUNK} for a pipe, {@link #FILE_CHUNK} for a regular file */
    AccessLogWriter(OutputStream out, int capacity, Counter dropped, int chunkBytes) {
        this.chunk = new byte[chunkBytes];
        this.queue = PlatformDependent.newFixedMpscQueue(capacity); // a chunk holds a line at least: never full first
        this.capacity = capacity;
        this.out = out;
        this.dropped = dropped;
        this.thread = new Thread(this::drain, "gatehouse-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a line (without its newline); false when it was dropped because the queue is full. Never blocks. */
    boolean offer(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        return offer(bytes, bytes.length, 1);
    }

    /**
     * Queues {@code lines} whole lines, each ending in a newline, in the first {@code length} bytes (the writer owns
     * the array from now on); false when they were dropped because the queue is full. Never blocks.
     */
    boolean offer(byte[] bytes, int length, int lines) {
        if (closing) {
            dropped.increment(lines);
            return false;
        }
        boolean fits = queuedLines.addAndGet(lines) <= capacity & queuedBytes.addAndGet(bytes.length) <= MAX_QUEUED_BYTES;
        if (!fits || !queue.offer(new Chunk(bytes, length, lines))) {
            queuedLines.addAndGet(-lines);
            queuedBytes.addAndGet(-bytes.length);
            dropped.increment(lines);
            return false;
        }
        return true;
    }

    /** Writes what is queued and stops the thread, waiting at most {@code millis}. */
    void close(long millis) {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            // an offer that passed the closing check as the thread finished: counted, not silently lost
            long left = 0;
            for (Chunk c = queue.poll(); c != null; c = queue.poll()) {
                left += c.lines;
            }
            dropped.increment(left);
        }
    }

    private void drain() {
        while (true) {
            Chunk lines = queue.poll();
            if (lines != null) {
                queuedLines.addAndGet(-lines.lines);
                queuedBytes.addAndGet(-lines.bytes.length);
                append(lines);
                lastLineNanos = System.nanoTime();
                continue;
            }
            flush();
            if (closing) {
                if (queue.isEmpty()) {
                    return;
                }
                continue;
            }
            boolean idle = System.nanoTime() - lastLineNanos > TimeUnit.SECONDS.toNanos(1);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(idle ? IDLE_PARK_MILLIS : BUSY_PARK_MILLIS));
        }
    }

    private void append(Chunk lines) {
        if (filled + lines.length > chunk.length) {
            flush();
        }
        if (lines.length > chunk.length) {
            write(lines.bytes, lines.length, lines.lines); // a line longer than a chunk goes out in one write
            return;
        }
        System.arraycopy(lines.bytes, 0, chunk, filled, lines.length);
        filled += lines.length;
        linesInChunk += lines.lines;
    }

    private void flush() {
        if (filled > 0) {
            write(chunk, filled, linesInChunk);
            filled = 0;
            linesInChunk = 0;
        }
    }

    private void write(byte[] bytes, int length, int lines) {
        try {
            out.write(bytes, 0, length);
            out.flush();
        } catch (IOException | RuntimeException e) {
            dropped.increment(lines);
            long now = System.nanoTime();
            if (lastErrorLog == 0 || now - lastErrorLog > 60_000_000_000L) {
                lastErrorLog = now;
                LOG.warnf("the access log cannot be written (%s): its lines are dropped and counted in "
                        + "gatehouse_access_log_dropped_total; logged once a minute", e.toString());
            }
        }
    }
}
