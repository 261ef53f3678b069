package io.gatehouse.observe;

import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * The access-log lines of one thread, gathered into a chunk of at most {@value AccessLogWriter#CHUNK} bytes that goes
 * to the writer whole: one queue hand-off per chunk instead of one per request, and each write ends at a line's end.
 *
 * <p>Only its own thread touches a batch. On an event loop, the first line of a chunk schedules a flush on that
 * same loop {@value #FLUSH_MILLIS} ms later, so a loop that goes quiet still has its last lines written within that
 * time (one scheduled task per chunk, not per line). A thread that is no event loop has no such timer: its lines go
 * to the writer one by one.
 */
final class LineBatch implements Runnable {
    static final long FLUSH_MILLIS = 10;
    /** A line grown this large by a hostile request is not kept for the next one. */
    private static final int MAX_KEPT_LINE = 16 * 1024;

    private final AccessLogWriter writer;
    /** Null when the thread is not an event loop. */
    private final EventExecutor loop;
    private JsonBytes line = new JsonBytes(1024);
    private byte[] chunk;
    private int filled;
    private int lines;
    private boolean flushPending;

    LineBatch(AccessLogWriter writer, EventExecutor loop) {
        this.writer = writer;
        this.loop = loop;
        this.chunk = loop == null ? null : new byte[AccessLogWriter.CHUNK];
    }

    EventExecutor loop() {
        return loop;
    }

    /** The line to write the next request's fields into, empty. */
    JsonBytes line() {
        if (line.capacity() > MAX_KEPT_LINE) {
            line = new JsonBytes(1024);
        }
        line.reset();
        return line;
    }

    /** Adds the line just written (without its newline). */
    void add(JsonBytes written) {
        int size = written.length() + 1;
        if (loop == null || size > AccessLogWriter.CHUNK) {
            handOff(); // what came before it goes first
            byte[] alone = java.util.Arrays.copyOf(written.array(), size);
            alone[size - 1] = '\n';
            writer.offer(alone, size, 1);
            return;
        }
        if (filled + size > chunk.length) {
            handOff();
        }
        System.arraycopy(written.array(), 0, chunk, filled, size - 1);
        filled += size;
        chunk[filled - 1] = '\n';
        lines++;
        if (loop.isShuttingDown()) {
            handOff(); // a stopping loop drops its scheduled tasks: nothing would flush these lines
        } else if (!flushPending) {
            flushPending = true;
            loop.schedule(this, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The scheduled flush; also run at shutdown (on the loop, or by the stopping thread once the loop has ended). */
    @Override
    public void run() {
        flushPending = false;
        handOff();
    }

    private void handOff() {
        if (lines == 0) {
            return;
        }
        if (filled < chunk.length / 2) {
            // a quiet loop's few lines: handed over in an array of their size (what waits in the queue is about the
            // size of its lines), and this chunk is kept
            writer.offer(java.util.Arrays.copyOf(chunk, filled), filled, lines);
        } else if (writer.offer(chunk, filled, lines)) {
            chunk = new byte[AccessLogWriter.CHUNK]; // the writer owns the old one now
        } // (refused, dropped and counted: the chunk is still ours)
        filled = 0;
        lines = 0;
    }
}
