package io.gatehouse.testing;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/2 over cleartext (prior knowledge) written frame by frame: for requests HTTP/2 client libraries refuse to
 * send, such as a header value holding NUL, CR or LF. The header block is HPACK literals without Huffman coding;
 * responses are decoded with Netty's HPACK decoder.
 */
public final class RawH2 implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    /** The gateway's SETTINGS, by identifier (3: max concurrent streams, 6: max header list size). */
    public final Map<Integer, Long> serverSettings = new LinkedHashMap<>();

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawH2 connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        RawH2 h2 = new RawH2(socket);
        h2.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        h2.frame(4, 0, 0, new byte[0]); // our SETTINGS: the defaults
        return h2;
    }

    /**
     * Upgrades an HTTP/1.1 connection to h2c as curl does: a GET with {@code Upgrade: h2c} and no body (and no
     * Content-Length), then, after the {@code 101}, the preface and SETTINGS. The GET is stream 1.
     */
    public static RawH2 upgrade(int port, String path) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        RawH2 h2 = new RawH2(socket);
        h2.out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        h2.out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) h2.in.readUnsignedByte());
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("no upgrade: " + head);
        }
        h2.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        h2.frame(4, 0, 0, new byte[0]);
        return h2;
    }

    /** Reads until {@code streamId}'s response ends (answering SETTINGS and PING): its body (DATA) as text. */
    public String body(int streamId) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = in.readNBytes(length);
            if (type == 0 && stream == streamId) {
                body.write(payload);
                if ((flags & 1) != 0) {
                    return body.toString(StandardCharsets.UTF_8);
                }
            } else if (type == 1 && stream == streamId && (flags & 1) != 0) {
                return ""; // a response without a body
            } else if (type == 3 && stream == streamId) {
                throw new IOException("stream " + streamId + " reset");
            } else if (type == 4 && (flags & 1) == 0) {
                frame(4, 1, 0, new byte[0]);
            } else if (type == 6 && (flags & 1) == 0) {
                frame(6, 1, 0, payload);
            } else if (type == 7) {
                throw new IOException("GOAWAY before stream " + streamId + " ended");
            }
        }
    }

    /** Sends a bodiless request on {@code streamId} (odd, increasing): headers as {name, value} pairs, pseudo first. */
    public void request(int streamId, List<String[]> headers) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (String[] h : headers) {
            block.write(0x00); // literal header field without indexing, new name
            string(block, h[0]);
            string(block, h[1]);
        }
        frame(1, 0x1 | 0x4, streamId, block.toByteArray()); // HEADERS, END_STREAM | END_HEADERS
    }

    /** GET {@code path} with one extra header. */
    public void get(int streamId, String path, String name, String value) throws IOException {
        request(streamId, List.of(new String[] {":method", "GET"}, new String[] {":scheme", "http"},
                new String[] {":path", path}, new String[] {":authority", "localhost"}, new String[] {name, value}));
    }

    /**
     * Reads until every stream in {@code streams} has a response head or was reset: the status per stream, or
     * {@code -errorCode} for a reset one.
     */
    public Map<Integer, Integer> answers(int... streams) throws Exception {
        Map<Integer, Integer> result = new LinkedHashMap<>();
        java.util.Set<Integer> wanted = new java.util.HashSet<>();
        for (int stream : streams) {
            wanted.add(stream);
        }
        while (!result.keySet().containsAll(wanted)) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = in.readNBytes(length);
            switch (type) {
                case 1 -> { // HEADERS
                    int from = 0;
                    int to = payload.length;
                    if ((flags & 0x8) != 0) { // PADDED
                        to -= payload[0] & 0xff;
                        from = 1;
                    }
                    if ((flags & 0x20) != 0) { // PRIORITY
                        from += 5;
                    }
                    ByteArrayOutputStream block = new ByteArrayOutputStream();
                    block.write(payload, from, to - from);
                    int f = flags;
                    while ((f & 0x4) == 0) { // CONTINUATION frames until END_HEADERS
                        int n = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                        in.readUnsignedByte();
                        f = in.readUnsignedByte();
                        in.readInt();
                        block.write(in.readNBytes(n));
                    }
                    Http2Headers headers = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block.toByteArray()));
                    if (headers.status() != null && wanted.contains(stream)) {
                        result.put(stream, Integer.parseInt(headers.status().toString()));
                    }
                }
                case 3 -> {
                    if (wanted.contains(stream)) {
                        result.putIfAbsent(stream, -((payload[0] & 0xff) << 24 | (payload[1] & 0xff) << 16
                                | (payload[2] & 0xff) << 8 | (payload[3] & 0xff)));
                    }
                }
                case 4 -> {
                    if ((flags & 1) == 0) {
                        for (int i = 0; i + 6 <= payload.length; i += 6) {
                            serverSettings.put(((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff),
                                    ((long) (payload[i + 2] & 0xff) << 24) | ((payload[i + 3] & 0xff) << 16)
                                            | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff));
                        }
                        frame(4, 1, 0, new byte[0]); // SETTINGS ack
                    }
                }
                case 6 -> frame(6, 1, 0, payload); // PING ack
                case 7 -> throw new IOException("GOAWAY from the gateway: " + result);
                default -> {
                    // DATA, WINDOW_UPDATE: bodies are small, nothing to do
                }
            }
        }
        return result;
    }

    /**
     * Reads until the gateway's SETTINGS arrive and acknowledges them, as a real client does before it relies on
     * them: the gateway applies its own limits once they are acknowledged (RFC 9113 §6.5.3).
     */
    public void awaitSettings() throws IOException {
        while (serverSettings.isEmpty()) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            in.readInt();
            byte[] payload = in.readNBytes(length);
            if (type == 4 && (flags & 1) == 0) {
                for (int i = 0; i + 6 <= payload.length; i += 6) {
                    serverSettings.put(((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff),
                            ((long) (payload[i + 2] & 0xff) << 24) | ((payload[i + 3] & 0xff) << 16)
                                    | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff));
                }
                serverSettings.putIfAbsent(-1, 0L); // an empty SETTINGS frame counts as received too
                frame(4, 1, 0, new byte[0]);
            }
        }
        serverSettings.remove(-1);
    }

    /** Opens a stream with a request head and no END_STREAM (the body would follow): it stays open. */
    public void open(int streamId, String path) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (String[] h : List.of(new String[] {":method", "POST"}, new String[] {":scheme", "http"},
                new String[] {":path", path}, new String[] {":authority", "localhost"})) {
            block.write(0x00);
            string(block, h[0]);
            string(block, h[1]);
        }
        frame(1, 0x4, streamId, block.toByteArray()); // HEADERS, END_HEADERS only
    }

    /** RST_STREAM with CANCEL (0x8), as a client that gave up does. */
    public void reset(int streamId) throws IOException {
        frame(3, 0, streamId, new byte[] {0, 0, 0, 8});
    }

    /**
     * Reads frames (answering SETTINGS and PING) until the gateway sends GOAWAY or closes: the GOAWAY error code, or
     * -1 when the connection closed without one. Counts RST_STREAM frames the gateway sent meanwhile in
     * {@link #resetsReceived}.
     */
    public long untilGoaway() throws IOException {
        try {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == 7) {
                    return ((long) (payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
                            | (payload[7] & 0xff);
                } else if (type == 3) {
                    resetsReceived++;
                } else if (type == 4 && (flags & 1) == 0) {
                    frame(4, 1, 0, new byte[0]);
                } else if (type == 6 && (flags & 1) == 0) {
                    frame(6, 1, 0, payload);
                }
            }
        } catch (java.io.EOFException | java.net.SocketException closed) {
            return -1;
        }
    }

    /** One frame as read; a HEADERS frame's block decoded (CONTINUATION frames joined). */
    public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        /** For a GOAWAY: the last stream id it names. */
        public int lastStreamId() {
            return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }
    }

    /**
     * The next frame from the gateway, SETTINGS and PING answered as a client does (after they are returned, so a
     * caller sees what came before the ack), or null when the connection closed.
     */
    public Frame next() throws Exception {
        int length;
        try {
            length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        } catch (java.io.EOFException | java.net.SocketException closed) {
            return null;
        }
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        Http2Headers headers = null;
        if (type == 1) {
            int from = (flags & 0x8) != 0 ? 1 : 0;
            int to = payload.length - ((flags & 0x8) != 0 ? payload[0] & 0xff : 0);
            from += (flags & 0x20) != 0 ? 5 : 0;
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(payload, from, to - from);
            int f = flags;
            while ((f & 0x4) == 0) {
                int n = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                in.readUnsignedByte();
                f = in.readUnsignedByte();
                in.readInt();
                block.write(in.readNBytes(n));
            }
            headers = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block.toByteArray()));
        } else if (type == 4 && (flags & 1) == 0) {
            frame(4, 1, 0, new byte[0]);
        } else if (type == 6 && (flags & 1) == 0) {
            pending = payload; // acked at the next read: the caller may write before the ack, as a busy client does
        }
        if (pending != null && type != 6) {
            frame(6, 1, 0, pending);
            pending = null;
        }
        return new Frame(type, flags, stream, payload, headers);
    }

    /** A PING {@link #next} returned and has not acknowledged yet. */
    private byte[] pending;

    /** Acknowledges a PING {@link #next} returned, now. */
    public void ackPing() throws IOException {
        if (pending != null) {
            frame(6, 1, 0, pending);
            pending = null;
        }
    }

    /** RST_STREAM frames the gateway sent, counted by {@link #untilGoaway}. */
    public int resetsReceived;

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
                (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    /** An HPACK string literal, no Huffman: a 7-bit-prefix length, then the bytes. */
    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            block.write(n);
        } else {
            block.write(127);
            n -= 127;
            while (n >= 128) {
                block.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            block.write(n);
        }
        block.write(bytes, 0, bytes.length);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
