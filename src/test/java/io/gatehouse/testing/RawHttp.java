package io.gatehouse.testing;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sends a request exactly as written over a plain socket: for what HTTP client libraries will not send
 * (Connection-named headers, dot segments, hop-by-hop headers) or would rewrite.
 */
public final class RawHttp {
    private RawHttp() {
    }

    public record Response(int status, List<String[]> headers, String body, String statusLine) {
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public JsonObject json() {
            return new JsonObject(body);
        }
    }

    /** @param head the request line and headers, each line without CRLF; the blank line is added */
    public static Response send(int port, List<String> head, byte[] body) throws IOException {
        return sendFrom("127.0.0.1", port, head, body);
    }

    /** As {@link #send}, from a chosen loopback address (127.0.0.2 …), as if from another machine. */
    public static Response sendFrom(String localAddress, int port, List<String> head, byte[] body) throws IOException {
        try (Socket socket = new Socket(java.net.InetAddress.getByName("127.0.0.1"), port,
                java.net.InetAddress.getByName(localAddress), 0)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder sb = new StringBuilder();
            for (String line : head) {
                sb.append(line).append("\r\n");
            }
            sb.append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** What one connection got: its responses in order, and whether the gateway closed it after them. */
    public record Conversation(List<Response> responses, boolean closed) {
        public Response last() {
            return responses.get(responses.size() - 1);
        }
    }

    /**
     * Writes {@code parts} on one connection, {@code pauseMillis} apart (so the gateway acts on the first before the
     * next arrives), reads {@code answers} responses, then waits up to 5 s to see whether the gateway closes it.
     */
    public static Conversation converse(int port, int answers, long pauseMillis, String... parts) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    Thread.sleep(pauseMillis);
                }
                try {
                    out.write(parts[i].getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException closedEarly) {
                    break; // the gateway answered and closed before the rest: read what it said
                }
            }
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            List<Response> responses = new ArrayList<>();
            for (int i = 0; i < answers; i++) {
                responses.add(read(in));
            }
            socket.setSoTimeout(5_000);
            boolean closed;
            try {
                closed = in.read() == -1;
            } catch (java.net.SocketTimeoutException open) {
                closed = false;
            } catch (IOException reset) {
                closed = true;
            }
            return new Conversation(responses, closed);
        }
    }

    /**
     * A slowloris client: after a request line already written to {@code out}, one header line every 300 ms (20 at
     * most) until the gateway cuts the connection, while another client asks {@code port} for {@code otherPath}
     * between lines. Returns how many of those other requests were served meanwhile.
     */
    /**
     * Sends these bytes (ISO-8859-1: one byte per character) whole and returns all that comes back until the gateway
     * closes or resets the connection; fails when it is still open after 10 s of silence.
     */
    public static String untilClosed(int port, String bytes) throws IOException {
        return exchangeRaw(port, bytes, 10_000, true);
    }

    /** As {@link #untilClosed}, but for a connection that may stay open: what came before {@code millis} of silence. */
    public static String readFor(int port, String bytes, int millis) throws IOException {
        return exchangeRaw(port, bytes, millis, false);
    }

    private static String exchangeRaw(int port, String bytes, int timeoutMillis, boolean mustClose) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(answer);
            } catch (java.net.SocketTimeoutException silent) {
                if (mustClose) {
                    throw new java.net.SocketTimeoutException("still open after " + timeoutMillis + " ms; read: "
                            + answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            } catch (java.net.SocketException reset) {
                // closed on us: what was read is the answer
            }
            return answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * A slowloris client: after a request line already written to {@code out}, one header line every 300 ms (20 at
     * most) until the gateway cuts the connection, while another client asks {@code port} for {@code otherPath}
     * between lines. Returns how many of those other requests were served meanwhile.
     */
    /**
     * Sends these bytes (ISO-8859-1: one byte per character) whole and returns all that comes back until the gateway
     * closes, resets, or sends nothing for {@code timeoutMillis}.
     */
    public static String untilClosed(int port, String bytes, int timeoutMillis) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(answer);
            } catch (IOException closedOrSilent) {
                // reset, or nothing more: what was read is the answer
            }
            return answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    public static int trickleHead(java.io.OutputStream out, int port, String otherPath) throws Exception {
        int served = 0;
        for (int i = 0; i < 20; i++) {
            Thread.sleep(300);
            if (get(port, otherPath).status() == 200) {
                served++;
            }
            try {
                out.write(("X-Trickle-" + i + ": a\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException cut) {
                break;
            }
        }
        return served;
    }

    public static Response get(int port, String target, String... headers) throws IOException {
        List<String> head = new ArrayList<>();
        head.add("GET " + target + " HTTP/1.1");
        head.add("Host: localhost:" + port);
        head.addAll(List.of(headers));
        return send(port, head, null);
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        String line;
        int length = -1;
        boolean chunked = false;
        while (!(line = line(in)).isEmpty()) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            headers.add(new String[] {name, value});
            if (name.equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(value);
            }
            if (name.equalsIgnoreCase("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (status == 204 || status == 304 || status < 200) {
            // no body, whatever the head says (RFC 9112 §6.3)
        } else if (chunked) {
            while (true) {
                int size = Integer.parseInt(line(in).trim(), 16);
                if (size == 0) {
                    line(in);
                    break;
                }
                body.write(in.readNBytes(size));
                line(in);
            }
        } else if (length >= 0) {
            body.write(in.readNBytes(length));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8), statusLine);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
