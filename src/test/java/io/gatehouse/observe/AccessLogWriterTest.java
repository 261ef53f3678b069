package io.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writer thread: order, whole lines per write, and drops counted instead of waiting on a stuck output. */
class AccessLogWriterTest {

    /** An output that records each write separately. */
    static final class Writes extends OutputStream {
        final List<byte[]> writes = new ArrayList<>();

        @Override
        public synchronized void write(int b) {
            writes.add(new byte[] {(byte) b});
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.add(java.util.Arrays.copyOfRange(b, off, off + len));
        }

        synchronized String all() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writes.forEach(out::writeBytes);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void linesGoOutInOrderInWritesThatEndAtALineEndAndFitAPipeBuffer() {
        Writes out = new Writes();
        Counter dropped = new SimpleMeterRegistry().counter("dropped");
        AccessLogWriter writer = new AccessLogWriter(out, 4096, dropped);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            String line = "{\"n\":" + i + ",\"pad\":\"" + "é".repeat(i % 50) + "\"}";
            assertTrue(writer.offer(line));
            expected.append(line).append('\n');
        }
        String huge = "{\"big\":\"" + "x".repeat(10_000) + "\"}";
        writer.offer(huge);
        expected.append(huge).append('\n');
        writer.close(5000);
        assertEquals(expected.toString(), out.all());
        for (byte[] write : out.writes) {
            assertEquals('\n', write[write.length - 1], "every write ends at a line's end");
            assertTrue(write.length <= AccessLogWriter.CHUNK || new String(write, StandardCharsets.UTF_8).equals(huge + "\n"),
                    "a write of " + write.length + " bytes");
        }
        assertEquals(0.0, dropped.count());
    }

    @Test
    @org.junit.jupiter.api.Timeout(30) // were an offer to wait on the stuck output, it would wait forever
    void aStuckOutputNeverBlocksTheCallerAndFullQueueDropsAreCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        };
        Counter dropped = new SimpleMeterRegistry().counter("dropped");
        AccessLogWriter writer = new AccessLogWriter(stuck, 16, dropped);
        writer.offer("first");
        assertTrue(writing.await(5, TimeUnit.SECONDS), "the writer took the first line");
        long start = System.nanoTime();
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            if (!writer.offer("line " + i)) {
                refused++;
            }
        }
        // (were an offer to wait on the output, it would wait forever: the output is stuck until released below)
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "offers never wait on the output");
        assertTrue(refused >= 1000 - 16, "refused " + refused);
        assertEquals(refused, (int) dropped.count());
        release.countDown();
        writer.close(5000);
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void theQueueIsBoundedInLinesWhateverTheBatchesHold() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        Writes after = new Writes();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                after.write(b, off, len);
            }
        };
        Counter dropped = new SimpleMeterRegistry().counter("dropped");
        AccessLogWriter writer = new AccessLogWriter(stuck, 16, dropped);
        byte[] tenLines = "l\n".repeat(10).getBytes(StandardCharsets.US_ASCII);
        assertTrue(writer.offer(tenLines, tenLines.length, 10));
        assertTrue(writing.await(5, TimeUnit.SECONDS), "the writer took the first batch and is stuck on it");
        assertTrue(writer.offer(tenLines, tenLines.length, 10), "10 lines queued of 16");
        assertFalse(writer.offer(tenLines, tenLines.length, 10), "20 would be more than 16");
        assertTrue(writer.offer(tenLines, 6, 3), "3 more fit");
        assertEquals(10.0, dropped.count(), "the refused batch's lines, each counted");
        release.countDown();
        writer.close(5000);
        assertEquals("l\n".repeat(23), after.all());
    }

    @Test
    void anOutputThatFailsCountsItsLinesAsDroppedAndTheWriterGoesOn() {
        Writes after = new Writes();
        boolean[] broken = {true};
        OutputStream flaky = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (broken[0]) {
                    broken[0] = false;
                    throw new IOException("broken pipe");
                }
                after.write(b, off, len);
            }
        };
        Counter dropped = new SimpleMeterRegistry().counter("dropped");
        AccessLogWriter writer = new AccessLogWriter(flaky, 64, dropped);
        writer.offer("lost");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (dropped.count() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        writer.offer("kept");
        writer.close(5000);
        assertEquals(1.0, dropped.count());
        assertEquals("kept\n", after.all());
        assertFalse(writer.offer("after close"), "closed: refused, counted");
    }
}
