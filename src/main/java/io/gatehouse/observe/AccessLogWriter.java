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
 * Writes access-log lines off the event loops. An event loop only offers the line to a bounded lock-free queue
 * (Netty's JCTools MPSC array, the queue its own event loops use); one daemon thread drains it to the output. A full
 * queue, an output that fails, or one too slow to keep up drops lines, counted in
 * {@code gatehouse_access_log_dropped_total}: a stalled log pipe must never slow or stop the traffic it logs.
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

    private final Queue<String> queue;
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
        this.queue = PlatformDependent.newFixedMpscQueue(capacity);
        this.out = out;
        this.dropped = dropped;
        this.thread = new Thread(this::drain, "gatehouse-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a line (without its newline); false when it was dropped because the queue is full. Never blocks. */
    boolean offer(String line) {
        if (closing || !queue.offer(line)) {
            dropped.increment();
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
            while (queue.poll() != null) {
                left++;
            }
            dropped.increment(left);
        }
    }

    private void drain() {
        while (true) {
            String line = queue.poll();
            if (line != null) {
                append(line.getBytes(StandardCharsets.UTF_8));
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

    private void append(byte[] line) {
        int size = line.length + 1;
        if (filled + size > chunk.length) {
            flush();
        }
        if (size > chunk.length) {
            byte[] whole = java.util.Arrays.copyOf(line, size); // a line longer than a chunk goes out in one write
            whole[line.length] = '\n';
            write(whole, whole.length, 1);
            return;
        }
        System.arraycopy(line, 0, chunk, filled, line.length);
        filled += line.length;
        chunk[filled++] = '\n';
        linesInChunk++;
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
