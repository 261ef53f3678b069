package io.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.internal.ThreadExecutorMap;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines gathered on a real event loop: in order, in whole-line writes that fit a pipe, and never held back. */
class LineBatchTest {

    private static JsonBytes line(int n) {
        JsonBytes json = new JsonBytes(64);
        json.raw(JsonBytes.ascii("{\"n\":")).number(n).raw(JsonBytes.ascii(",\"pad\":")).quote("x".repeat(n % 300))
                .raw('}');
        return json;
    }

    @Test
    void linesOfAnEventLoopGoOutInOrderAndTheLastOnesWithoutMoreTraffic() throws Exception {
        AccessLogWriterTest.Writes out = new AccessLogWriterTest.Writes();
        Counter dropped = new SimpleMeterRegistry().counter("dropped");
        AccessLogWriter writer = new AccessLogWriter(out, 1024, dropped);
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            LineBatch batch = loop.submit(() -> new LineBatch(writer, ThreadExecutorMap.currentExecutor())).get();
            assertNotNull(batch.loop(), "made on an event loop: it batches");
            StringBuilder expected = new StringBuilder();
            JsonBytes huge = new JsonBytes(16);
            huge.quote("y".repeat(10_000));
            loop.submit(() -> batch.add(line(0))).get();
            loop.submit(() -> batch.add(huge)).get(); // longer than a chunk: alone, after the line before it
            expected.append(line(0).text()).append('\n').append(huge.text()).append('\n');
            for (int i = 1; i < 500; i++) {
                expected.append(line(i).text()).append('\n');
            }
            loop.submit(() -> {
                for (int i = 1; i < 500; i++) {
                    batch.add(line(i));
                }
            }).get();
            // nothing more arrives: the flush the first line of the last chunk scheduled sends the rest
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!out.all().equals(expected.toString()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(expected.toString(), out.all());
            for (byte[] write : out.writes) {
                assertEquals('\n', write[write.length - 1], "every write ends at a line's end");
                assertTrue(write.length <= AccessLogWriter.CHUNK
                        || new String(write, StandardCharsets.US_ASCII).equals(huge.text() + "\n"));
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            writer.close(5000);
        }
        assertEquals(0.0, dropped.count());
    }

    @Test
    void aThreadThatIsNoEventLoopWritesEachLineAlone() {
        AccessLogWriterTest.Writes out = new AccessLogWriterTest.Writes();
        AccessLogWriter writer = new AccessLogWriter(out, 64, new SimpleMeterRegistry().counter("dropped"));
        LineBatch batch = new LineBatch(writer, ThreadExecutorMap.currentExecutor());
        assertEquals(null, batch.loop());
        batch.add(line(3));
        writer.close(5000);
        assertEquals(line(3).text() + "\n", out.all());
    }
}
