package io.gatehouse.pipeline;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.TempDirs;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The security review's mutation test: a thousand random variations of valid and invalid HTTP/1.1 requests, sent
 * byte for byte to the packaged gateway, in front of a raw-socket origin that records every request it receives and
 * parses them strictly. Whatever status each variation gets, these must hold:
 * <ol type="a">
 * <li>the upstream never receives a request the client did not send as a request of its own (a body, or a request
 * hidden behind a Content-Length / Transfer-Encoding disagreement, never becomes one), and what it receives is
 * consistent with what the client sent (method, path, query, body);</li>
 * <li>one client request never becomes two upstream requests (retries are off: a token arriving twice is a bug);</li>
 * <li>every response a client gets is either a gateway error or the upstream's answer to that client's own request,
 * in the order it asked;</li>
 * <li>the origin never sees a request it cannot frame (the gateway never forwards anything ambiguous);</li>
 * </ol>
 * and the unmutated requests all get their 200.
 *
 * <p>Each request carries a unique token in {@code X-Test-Token}, echoed by the origin. What the client "sent" is
 * judged by RFC 9112's framing rules, not by the gateway's: each request in a case is {@link Role#OWED} (unmutated:
 * must arrive and be answered), {@link Role#MAY} (may arrive, at most once, as sent) or {@link Role#NEVER} (bytes
 * that are a request only under a reading RFC 9112 forbids, or a request whose length cannot be determined).
 *
 * <p>Seeded: {@code -Dmutation.seed=N} (default below), {@code -Dmutation.cases=N}; {@code -Dmutation.only=I}
 * replays case I of the seed alone.
 */
class RequestMutationIT {
    static final long SEED = Long.getLong("mutation.seed", 20_240_611L);
    static final int CASES = Integer.getInteger("mutation.cases", 1000);
    static final int ONLY = Integer.getInteger("mutation.only", -1);
    /** Client connections at once: enough to overlap the waits, few enough for a 2-core machine. */
    static final int PARALLEL = 8;
    static final String HOST = "gatehouse.test";
    /** How long an unmutated request may take to be answered, however slow the machine. */
    static final long OWED_WAIT_MS = 10_000;
    /** Silence after which a mutated request is taken to be waiting for bytes that will never come. */
    static final long STUCK_MS = 2_000;
    /** Violations printed in full (the most serious first); the rest are counted. */
    static final int DETAILED = Integer.getInteger("mutation.detailed", 12);

    static RecordingOrigin origin;
    static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        origin = new RecordingOrigin();
        Path config = TempDirs.file("gatehouse-mutation", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  recorder: {targets: [{url: %s}]}
                routes:
                  - {id: stripped, path: /strip/**, upstream: recorder, strip-prefix: /strip}
                  - {id: all, path: /**, upstream: recorder}
                """.formatted(origin.url()));
        gw = GatewayProcess.start("request-mutation", config).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void mutatedRequestsAreNeverSmuggledSplitOrAnsweredToAnotherClient() throws Exception {
        long started = System.nanoTime();
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            if (ONLY < 0 || ONLY == i) {
                cases.add(Generator.generate(i));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "mutation-client");
            t.setDaemon(true);
            return t;
        });
        List<Callable<Outcome>> calls = new ArrayList<>();
        for (Case c : cases) {
            calls.add(() -> Client.run(gw.port(), c));
        }
        List<Outcome> outcomes = new ArrayList<>();
        try {
            for (Future<Outcome> f : pool.invokeAll(calls)) {
                outcomes.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        int stillOpen = origin.awaitQuiet(15_000);

        List<Violation> violations = new ArrayList<>();
        Map<String, Case> byToken = new HashMap<>();
        for (Case c : cases) {
            for (Sent s : c.sent()) {
                byToken.put(s.token(), c);
            }
        }
        for (Outcome o : outcomes) {
            Checks.clientSide(o, violations);
        }
        Map<Integer, Outcome> byCase = new HashMap<>();
        outcomes.forEach(o -> byCase.put(o.c().index(), o));
        Checks.upstreamSide(origin, byToken, byCase, violations);
        assertTrue(gw.isAlive(), "the gateway died:\n" + gw.output());

        Map<Integer, Integer> statuses = new TreeMap<>();
        outcomes.forEach(o -> o.answers().forEach(a -> statuses.merge(a.status(), 1, Integer::sum)));
        String summary = String.format(Locale.ROOT,
                "mutation seed=%d: %d cases (%d unmutated) in %d ms; upstream got %d requests, %d cut off, %d still "
                        + "open, %d framing errors; client statuses %s; %d violations",
                SEED, cases.size(), cases.stream().filter(Case::owed).count(),
                (System.nanoTime() - started) / 1_000_000, origin.received.size(), origin.incomplete.get(), stillOpen,
                origin.framingErrors.size(), statuses, violations.size());
        System.out.println(summary);
        if (!violations.isEmpty()) {
            fail(Checks.report(summary, violations));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The model: what the client framed

    /** What may become of a request the client framed. Ordered from the least to the most restrictive. */
    enum Role {
        /** Unmutated: must reach the upstream once, as sent, and be answered with the upstream's 200. */
        OWED,
        /** May reach the upstream, at most once, consistent with what was sent; or be refused. */
        MAY,
        /** Must never reach the upstream as a request of its own. */
        NEVER;

        Role and(Role other) {
            return compareTo(other) >= 0 ? this : other;
        }
    }

    /**
     * A request in a case's bytes, as the client framed it.
     *
     * @param bodies the bodies an upstream may receive for it (readings RFC 9112 allows)
     */
    record Sent(String token, Role role, String method, String target, Set<String> bodies) {
    }

    /** One connection's worth of bytes and what they hold. */
    record Case(int index, List<String> mutations, byte[] wire, List<Sent> sent, boolean halfClose, boolean headFirst,
                int maxAnswers) {
        boolean owed() {
            return sent.stream().anyMatch(s -> s.role() == Role.OWED);
        }

        int minAnswers() {
            return halfClose ? 0 : (int) Math.max(1, sent.stream().filter(s -> s.role() == Role.OWED).count());
        }

        int position(String token) {
            for (int i = 0; i < sent.size(); i++) {
                if (sent.get(i).token().equals(token)) {
                    return i;
                }
            }
            return -1;
        }

        String describe() {
            return "case " + index + " [" + (mutations.isEmpty() ? "unmutated" : String.join("; ", mutations)) + "]";
        }
    }

    /** A request being built: the request line, the header lines exactly as sent, and the bytes after the head. */
    static final class Msg {
        String prefix = "";
        String method;
        String sp1 = " ";
        String target;
        String sp2 = " ";
        String version = "HTTP/1.1";
        String eol = "\r\n";
        final List<String> headers = new ArrayList<>();
        String body = "";
        boolean close;

        String wire() {
            StringBuilder sb = new StringBuilder(prefix).append(method).append(sp1).append(target).append(sp2)
                    .append(version).append(eol);
            for (String h : headers) {
                sb.append(h).append(eol);
            }
            if (close) {
                sb.append("Connection: close").append(eol);
            }
            return sb.append(eol).append(body).toString();
        }

        void removeFraming() {
            headers.removeIf(h -> startsWithIgnoreCase(h, "Content-Length:") || startsWithIgnoreCase(h, "Transfer-Encoding:"));
        }

        /** Puts the framing headers where the base had them, in random order. */
        void framing(Random r, String... lines) {
            removeFraming();
            List<String> l = new ArrayList<>(List.of(lines));
            java.util.Collections.shuffle(l, r);
            headers.addAll(l);
        }

        int tokenLine() {
            for (int i = 0; i < headers.size(); i++) {
                if (headers.get(i).startsWith("X-Test-Token:")) {
                    return i;
                }
            }
            throw new IllegalStateException("no token line");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Generating cases

    static final class Generator {
        final int index;
        final Random r;
        final String token;
        final String followToken;
        final String hiddenToken;
        Msg main;
        String payload = "";
        Role mainRole = Role.OWED;
        Set<String> mainBodies = Set.of("");
        /** For requests framed after the main one. */
        Role afterRole = Role.OWED;
        /** Requests inside the main one's bytes or after them, as the mutation framed them. */
        final List<Sent> extra = new ArrayList<>();
        String trailing = "";
        int trailingAnswers;
        boolean halfClose;
        final List<String> names = new ArrayList<>();

        private Generator(int index) {
            this.index = index;
            // one generator per case, from the seed and the index: a case replays alone (-Dmutation.only)
            this.r = new Random(mix(SEED * 1_000_003L + index));
            this.token = String.format(Locale.ROOT, "m%04d", index);
            this.followToken = String.format(Locale.ROOT, "f%04d", index);
            this.hiddenToken = String.format(Locale.ROOT, "h%04d", index);
        }

        static Case generate(int index) {
            Generator g = new Generator(index);
            int kind = g.r.nextInt(100);
            if (kind < 22) {
                g.base(g.r.nextBoolean());
            } else if (kind < 72) {
                g.base(true);
                g.framingMutation();
                if (g.r.nextInt(3) == 0) {
                    g.requestLineMutation();
                }
            } else {
                g.base(g.r.nextInt(3) == 0);
                for (int n = 1 + g.r.nextInt(2); n > 0; n--) {
                    if (g.r.nextBoolean()) {
                        g.requestLineMutation();
                    } else {
                        g.headerMutation();
                    }
                }
            }
            return g.finish();
        }

        void name(String n) {
            names.add(esc(n.getBytes(ISO_8859_1), 0, 200));
        }

        /** A valid request: GET/HEAD/DELETE, or POST/PUT/PATCH with a Content-Length or chunked body. */
        void base(boolean withBody) {
            Msg m = new Msg();
            StringBuilder path = new StringBuilder(r.nextInt(4) == 0 ? "/strip" : "/c").append('/').append(token);
            for (int i = r.nextInt(3); i > 0; i--) {
                path.append('/').append(word());
            }
            if (r.nextInt(6) == 0) {
                path.append('/');
            }
            if (r.nextInt(3) == 0) {
                path.append('?').append(word()).append('=').append(word());
                if (r.nextBoolean()) {
                    path.append('&').append(word()).append("=%20").append(word());
                }
            }
            m.target = path.toString();
            m.headers.add("Host: " + HOST);
            m.headers.add("X-Test-Token: " + token);
            m.headers.add("User-Agent: gatehouse-mutation-test");
            if (r.nextBoolean()) {
                m.headers.add("Accept: */*");
            }
            if (withBody) {
                m.method = pick("POST", "PUT", "PATCH");
                payload = payload();
                if (r.nextBoolean()) {
                    m.headers.add("Content-Length: " + payload.length());
                    m.body = payload;
                } else {
                    m.headers.add("Transfer-Encoding: chunked");
                    m.body = chunked(payload);
                }
            } else {
                m.method = pick("GET", "GET", "HEAD", "DELETE");
            }
            mainBodies = Set.of(payload);
            main = m;
        }

        /** Mutations of how the body is framed (the smuggling vectors); the base has a body. */
        void framingMutation() {
            Msg m = main;
            if (payload.length() < 2) {
                payload = "payload-of-" + token;
            }
            String p = payload;
            mainBodies = Set.of(p);
            m.removeFraming();
            m.framing(r, "Content-Length: " + p.length());
            m.body = p;
            switch (r.nextInt(24)) {
                case 0 -> {
                    name("Content-Length twice, same value");
                    m.headers.add(1 + r.nextInt(m.headers.size()), "Content-Length: " + p.length());
                    mainRole = Role.MAY;
                }
                case 1 -> {
                    // under the first value the rest is a request; under the second, a body: the length is unknown
                    name("two different Content-Lengths around a request");
                    String h = hidden(true).wire();
                    m.framing(r, "Content-Length: 0", "Content-Length: " + h.length());
                    m.body = h;
                    never();
                }
                case 2 -> {
                    boolean same = r.nextBoolean();
                    name("Content-Length list " + (same ? "n, n" : "n, m"));
                    if (same) {
                        m.framing(r, "Content-Length: " + p.length() + ", " + p.length());
                    } else {
                        String h = hidden(true).wire();
                        m.framing(r, "Content-Length: 0, " + h.length());
                        m.body = h;
                        never();
                    }
                }
                case 3 -> {
                    String n = String.valueOf(p.length());
                    String v = pick("+" + n, "-" + n, "0x" + Integer.toHexString(p.length()), n + "a", n + ".0", "",
                            n + " " + n, "99999999999999999999", "1e3", n + ";", "\u000b" + n);
                    name("malformed Content-Length '" + v + "'");
                    m.framing(r, "Content-Length: " + v);
                    mainRole = Role.NEVER;
                    afterRole = Role.NEVER;
                }
                case 4 -> {
                    String n = String.valueOf(p.length());
                    String line = pick("Content-Length:   " + n + "  ", "content-length: " + n, "CONTENT-LENGTH:" + n,
                            "Content-Length: 000" + n, "Content-Length:\t" + n);
                    name("unusual but valid '" + line + "'");
                    m.framing(r, line);
                }
                case 5 -> {
                    if (r.nextBoolean()) {
                        // CL.TE: a front end going by Content-Length sends it all as one request
                        name("CL.TE: a request after the last chunk, inside the Content-Length");
                        String h = hidden(true).wire();
                        String body = "0\r\n\r\n" + h;
                        m.framing(r, "Transfer-Encoding: chunked", "Content-Length: " + body.length());
                        m.body = body;
                        mainBodies = Set.of("");
                        never();
                        afterRole = Role.NEVER;
                    } else {
                        String c = chunked(p);
                        int cl = pick(c.length(), 0, 3, c.length() + 7);
                        name("Content-Length " + (cl == c.length() ? "(equal)" : cl) + " with Transfer-Encoding: chunked");
                        m.framing(r, "Transfer-Encoding: chunked", "Content-Length: " + cl);
                        m.body = c;
                        // RFC 9112 §6.1: read as chunked and close; a follow-up is one only when both readings agree
                        afterRole = cl == c.length() ? Role.MAY : Role.NEVER;
                    }
                }
                case 6 -> {
                    // TE.CL: a front end going by Content-Length sends the chunk's data as the next request
                    name("TE.CL: a request as chunk data, Content-Length covering the size line");
                    String h = hidden(true).wire();
                    String sizeLine = Integer.toHexString(h.length()) + "\r\n";
                    m.framing(r, "Content-Length: " + sizeLine.length(), "Transfer-Encoding: chunked");
                    m.body = sizeLine + h + "\r\n0\r\n\r\n";
                    mainBodies = Set.of(h);
                    never();
                    afterRole = Role.NEVER;
                }
                case 7 -> {
                    // RFC 9112 §6.1: chunked not last in a request's Transfer-Encoding: 400 and close
                    String te = pick("xchunked", "chunked, gzip", "gzip", "identity", "chunked;q=1", "chunk",
                            "\"chunked\"", "chunked\u000b", "chunked, identity", "x-chunked", "chunked chunked",
                            "chunked\u0000");
                    boolean twoHeaders = r.nextInt(4) == 0;
                    String h = hidden(true).wire();
                    String body = switch (r.nextInt(3)) {
                        case 0 -> chunked(p);
                        case 1 -> "0\r\n\r\n" + h;
                        default -> h;
                    };
                    List<String> lines = new ArrayList<>(twoHeaders
                            ? List.of("Transfer-Encoding: chunked", "Transfer-Encoding: gzip")
                            : List.of("Transfer-Encoding: " + te));
                    if (r.nextBoolean()) {
                        lines.add("Content-Length: " + (r.nextBoolean() ? body.length() : 5));
                    }
                    name("Transfer-Encoding '" + (twoHeaders ? "chunked' + 'gzip" : te) + "'"
                            + (lines.size() > (twoHeaders ? 2 : 1) ? " with Content-Length" : "")
                            + (body.contains(hiddenToken) ? " hiding a request" : ""));
                    m.removeFraming();
                    m.headers.addAll(lines); // in this order: chunked before gzip is chunked not last
                    m.body = body;
                    mainRole = Role.NEVER;
                    afterRole = Role.NEVER;
                    if (body.contains(hiddenToken)) {
                        never();
                    }
                }
                case 8 -> {
                    String te = pick("Chunked", "CHUNKED", "   chunked", "chunked   ", "\tchunked", "cHuNkEd");
                    name("Transfer-Encoding '" + te + "' (valid)");
                    m.framing(r, "Transfer-Encoding: " + te);
                    m.body = chunked(p);
                }
                case 9 -> {
                    int v = r.nextInt(4);
                    String[] lines = switch (v) {
                        case 0 -> new String[] {"Transfer-Encoding: chunked, chunked"};
                        case 1 -> new String[] {"Transfer-Encoding: chunked", "Transfer-Encoding: chunked"};
                        case 2 -> new String[] {"Transfer-Encoding: gzip, chunked"};
                        default -> new String[] {"Transfer-Encoding:\r\n chunked"};
                    };
                    name("Transfer-Encoding " + String.join(" + ", lines).replace("\r\n", "<obs-fold>") + " (chunked last)");
                    m.framing(r, lines);
                    m.body = chunked(p);
                }
                case 10 -> {
                    // RFC 9112 §5.1: no whitespace between a field name and the colon: 400. One reader strips it
                    // (a body), another ignores the field (a request): the length is unknown.
                    String h = hidden(true).wire();
                    String line = r.nextBoolean()
                            ? "Content-Length" + pick(" ", "\t", "  ") + ": " + h.length()
                            : "Transfer-Encoding" + pick(" ", "\t") + ": chunked";
                    name("whitespace before the colon: '" + line + "' around a request");
                    m.framing(r, line);
                    m.body = h;
                    mainRole = Role.NEVER;
                    afterRole = Role.NEVER;
                    never();
                }
                case 11 -> malformedChunk();
                case 12 -> lenientChunk();
                case 13 -> {
                    m.framing(r, "Content-Length: " + p.length());
                    if (r.nextBoolean()) {
                        trailing = pick("hello\r\n\r\n", "X\r\n\r\n", p + "\r\n\r\n", "GARBAGE / HTTP/1.1\r\n\r\n");
                        trailingAnswers = 1;
                        name("body longer than Content-Length: junk after it");
                    } else {
                        // framed right after the declared length: a pipelined request under every reading
                        Msg f = follow(true);
                        trailing = f.wire();
                        extra.add(sent(f, Role.MAY));
                        name("body longer than Content-Length: a request after it");
                    }
                }
                case 14 -> {
                    halfClose = true;
                    mainRole = Role.NEVER;
                    if (r.nextBoolean()) {
                        int more = 1 + r.nextInt(40);
                        name("body " + more + " bytes short of its Content-Length, then half-close");
                        m.framing(r, "Content-Length: " + (p.length() + more));
                    } else {
                        name("chunked body without its last chunk, then half-close");
                        m.framing(r, "Transfer-Encoding: chunked");
                        String c = chunked(p);
                        m.body = c.substring(0, c.length() - "0\r\n\r\n".length());
                    }
                }
                case 15 -> {
                    String h = hidden(true).wire();
                    String text = pick("", "a=1&b=", "{\"x\":\"") + h + pick("", "\r\n", "tail");
                    boolean chunked = r.nextBoolean();
                    name("a request inside a " + (chunked ? "chunked" : "Content-Length") + " body");
                    if (chunked) {
                        m.framing(r, "Transfer-Encoding: chunked");
                        m.body = chunked(text);
                    } else {
                        m.framing(r, "Content-Length: " + text.length());
                        m.body = text;
                    }
                    mainBodies = Set.of(text);
                    never();
                }
                case 16 -> {
                    // RFC 9112 §6.3: a request with neither header has no body; what follows is the next request
                    m.removeFraming();
                    m.body = "";
                    mainBodies = Set.of("");
                    if (r.nextBoolean()) {
                        Msg h = hidden(true);
                        trailing = h.wire();
                        extra.add(sent(h, Role.MAY));
                        name("POST without Content-Length or Transfer-Encoding, then a request");
                    } else {
                        trailing = p + "\r\n\r\n";
                        trailingAnswers = 1;
                        name("POST without Content-Length or Transfer-Encoding, then its would-be body");
                    }
                }
                case 17 -> {
                    // A bare LF may end a line (RFC 9112 §2.2): then this is a Content-Length and the request a body.
                    String h = hidden(true).wire();
                    m.method = pick("GET", "POST");
                    m.removeFraming();
                    m.headers.add("X-Note: a\nContent-Length: " + h.length());
                    m.body = h;
                    mainBodies = Set.of(h);
                    never();
                    afterRole = Role.NEVER;
                    name("Content-Length after a bare LF in a header line, a request as its body");
                }
                case 18 -> {
                    // A bare CR is invalid or read as a space (RFC 9112 §2.2), never as a line end: no Content-Length,
                    // so the request after the head is one of its own.
                    Msg h = hidden(true);
                    m.method = pick("GET", "POST");
                    m.removeFraming();
                    m.headers.add("X-Note: a\rContent-Length: " + h.wire().length());
                    m.body = "";
                    trailing = h.wire();
                    mainBodies = Set.of("");
                    extra.add(sent(h, Role.MAY));
                    name("Content-Length after a bare CR in a header value, then a request");
                }
                case 19 -> {
                    // obs-fold is refused or joined with a space (RFC 9112 §5.2): no Content-Length either way
                    Msg h = hidden(true);
                    m.method = pick("GET", "POST");
                    m.removeFraming();
                    m.headers.add("X-Note: a\r\n" + pick(" ", "\t") + "Content-Length: " + h.wire().length());
                    m.body = "";
                    trailing = h.wire();
                    mainBodies = Set.of("");
                    extra.add(sent(h, Role.MAY));
                    name("Content-Length as an obs-fold continuation, then a request");
                }
                case 20 -> {
                    name("Content-Length value on an obs-fold line");
                    m.framing(r, "Content-Length:\r\n " + p.length());
                }
                case 21 -> {
                    m.method = pick("GET", "DELETE", "HEAD");
                    if (r.nextBoolean()) {
                        m.framing(r, "Transfer-Encoding: chunked");
                        m.body = chunked(p);
                    }
                    name(m.method + " with a body");
                }
                case 22 -> {
                    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after the message
                    name("HTTP/1.0 with Transfer-Encoding: chunked");
                    m.version = "HTTP/1.0";
                    m.framing(r, "Transfer-Encoding: chunked");
                    m.body = chunked(p);
                    afterRole = Role.NEVER;
                }
                default -> {
                    String v = pick("HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.1 ", "HTTP/1",
                            "HTTP/11", "HTTP/1.10", "HTTP/3");
                    name("version '" + v + "'");
                    m.version = v;
                    if (r.nextBoolean()) {
                        m.framing(r, "Transfer-Encoding: chunked");
                        m.body = chunked(p);
                        if (!v.equals("HTTP/1.1 ") && !v.equals("HTTP/1.2")) {
                            afterRole = Role.NEVER; // chunked framing only exists from HTTP/1.1 on
                        }
                    }
                }
            }
        }

        /** Chunk sizes RFC 9112 §7.1 does not allow, sizes that disagree with the data, missing CRLFs. */
        void malformedChunk() {
            // letters past 'f' only: a corrupted size must not happen to frame the data some other valid way
            StringBuilder letters = new StringBuilder();
            for (int i = 8 + r.nextInt(100); i > 0; i--) {
                letters.append((char) ('g' + r.nextInt(20)));
            }
            payload = letters.toString();
            mainBodies = Set.of(payload);
            List<String> parts = split(payload);
            int k = r.nextInt(parts.size());
            StringBuilder body = new StringBuilder();
            String what = null;
            int kind = r.nextInt(5);
            for (int i = 0; i < parts.size(); i++) {
                String data = parts.get(i);
                String size = Integer.toHexString(data.length());
                String after = "\r\n";
                if (i == k) {
                    switch (kind) {
                        // " 5", "5 5", "5\t1", "5\u00000": sizes Netty reads leniently (StrictRequestDecoder);
                        // "5 " (white space not before ';'), "5\r" and a bare LF: not RFC 9112 §7.1 either
                        case 0 -> size = pick("zz", "-" + size, "0x" + size, "+" + size, "",
                                "fffffffffffffffff" + size, size + "g", "1_0", " " + size, size + " " + size,
                                size + "\t1", size + "\u00000", size + " ", size + "\t", size + "\r", size + "\n",
                                size + ";", size + "; ", size + ";a b", size + ";a=\"x", size + ";=1");
                        case 1 -> size = Integer.toHexString(Math.max(0, data.length() - 1 - r.nextInt(Math.max(1, data.length() - 1))));
                        case 2 -> size = Integer.toHexString(data.length() + 1 + r.nextInt(8));
                        case 3 -> after = pick("", "\n\n", "XX", "\r\r");
                        default -> size = pick("7fffffff", "ffffffff", "100000000", "40000000");
                    }
                    what = switch (kind) {
                        case 0 -> "chunk size '" + size + "'";
                        case 1 -> "chunk size " + size + " smaller than its data (" + data.length() + ")";
                        case 2 -> "chunk size " + size + " larger than its data (" + data.length() + ")";
                        case 3 -> "chunk data followed by '" + after + "' instead of CRLF";
                        default -> "huge chunk size " + size;
                    };
                }
                body.append(size).append("\r\n").append(data).append(after);
            }
            body.append("0\r\n\r\n");
            main.framing(r, "Transfer-Encoding: chunked");
            main.body = body.toString();
            mainRole = Role.NEVER;
            afterRole = Role.NEVER;
            if (r.nextInt(3) == 0) {
                Msg h = hidden(true);
                trailing = h.wire();
                extra.add(sent(h, Role.NEVER));
                what += ", then a request";
            }
            name(what + " (chunk " + (k + 1) + " of " + parts.size() + ")");
        }

        /** Chunked bodies that are valid, though unusual. */
        void lenientChunk() {
            List<String> parts = split(payload);
            int k = r.nextInt(parts.size());
            int kind = r.nextInt(3);
            String eol = "\r\n";
            StringBuilder body = new StringBuilder();
            String what = null;
            for (int i = 0; i < parts.size(); i++) {
                String data = parts.get(i);
                String size = Integer.toHexString(data.length());
                if (i == k) {
                    switch (kind) {
                        case 0 -> size += pick(";ext=1", ";ext", " ;ext=\"q\"", ";a=b;c=d", "\t; a = \"x\\\"y\" ;b");
                        case 1 -> size = "000" + size.toUpperCase(Locale.ROOT);
                        default -> { }
                    }
                    what = switch (kind) {
                        case 0 -> "chunk extension '" + size + "'";
                        case 1 -> "chunk size with leading zeros '" + size + "'";
                        default -> "a trailer field after the last chunk";
                    };
                }
                body.append(size).append(eol).append(data).append(eol);
            }
            body.append("0").append(eol);
            if (kind == 2) {
                body.append(pick("X-Trailer: 1", "Content-Length: 3", "X-Test-Token: " + hiddenToken)).append(eol);
            }
            body.append(eol);
            main.framing(r, "Transfer-Encoding: chunked");
            main.body = body.toString();
            name(what);
        }

        /** The request line: path and query bytes, case, dot segments, absolute form, separators, Host. */
        void requestLineMutation() {
            Msg m = main;
            int q = m.target.indexOf('?');
            String path = q < 0 ? m.target : m.target.substring(0, q);
            String query = q < 0 ? null : m.target.substring(q + 1);
            int keep = path.indexOf(token) + token.length(); // the route prefix and the token stay in front
            switch (r.nextInt(9)) {
                case 0 -> {
                    String piece = pick("%00", "%2F", "%2f", "%5C", "%5c", "%25", "%2561", "%25zz", "%zz", "%4", "%41",
                            "%7E", "%2e", "%2E%2E", ";", ";x=1", "..;", "#", "#frag", "\\", "\\..\\", " ", "\t",
                            "\u0001", "\u007f", "\u00e9", "\u00c3\u00a9", "\u00ff", "..", ".", "//", "/./", "/../",
                            "/x/../", "~", "%20", "%0d%0a", "%0A", "*", "@", ":", ",", "$", "'", "(", ")", "!", "=",
                            "&", "+", "a.", "[", "]", "{", "}", "|", "^", "`", "\"", "<", ">", "?", "\r", "\n",
                            "\r\nX-Injected: 1", "%c0%ae", "%u002e", "\u0000");
                    int at = keep + r.nextInt(path.length() - keep + 1);
                    path = path.substring(0, at) + piece + path.substring(at);
                    name("path byte(s) '" + piece + "'");
                }
                case 1 -> {
                    StringBuilder sb = new StringBuilder(path);
                    for (int i = 0; i < sb.length(); i++) {
                        if (r.nextInt(3) == 0 && Character.isLetter(sb.charAt(i))) {
                            char c = sb.charAt(i);
                            sb.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                        }
                    }
                    path = sb.toString();
                    name("path case changed");
                }
                case 2 -> {
                    String dots = pick("/x/..", "/./", "/../", "/c/..", "/strip/..", "//", "/.", "/%2e%2e", "/x/../..");
                    path = r.nextBoolean() ? dots + path : path.substring(0, keep) + dots + path.substring(keep);
                    name("dot segments '" + dots + "'");
                }
                case 3 -> {
                    String piece = pick("|", "{}", "%00", " ", "#", "#frag", "\u00e9", "%zz", "?", "&&", "\u0001", "\\",
                            "\"", "'", "<>", "^", "`", "[]", "%0d%0a", "\r", "\n", "\t", "\u007f", "=", "/../");
                    query = (query == null ? "" : query + "&") + "q" + piece + "v";
                    name("query byte(s) '" + piece + "'");
                }
                case 4 -> {
                    String scheme = pick("http://" + HOST, "HTTP://" + HOST, "http://other.test:80", "https://" + HOST,
                            "http://" + HOST + ":8080", "http://user@" + HOST);
                    m.target = scheme + path + (query == null ? "" : "?" + query);
                    name("absolute-form '" + scheme + "'");
                    return;
                }
                case 5 -> {
                    m.method = r.nextBoolean() ? m.method.toLowerCase(Locale.ROOT)
                            : m.method.charAt(0) + m.method.substring(1).toLowerCase(Locale.ROOT);
                    name("method '" + m.method + "'");
                }
                case 6 -> {
                    String[] seps = {"  ", "\t", " \t", "\u000b", "\u0000"};
                    if (r.nextBoolean()) {
                        m.sp1 = pick(seps);
                    } else {
                        m.sp2 = pick(seps);
                    }
                    name("request line separators '" + m.sp1 + "' '" + m.sp2 + "'");
                }
                case 7 -> {
                    String host = pick("Host: other.test", "Host: " + HOST, "", "Host: " + HOST + ":99999", "Host: user@" + HOST,
                            "Host:", "Host: " + HOST + "/x", "Host: [" + HOST + "]", "Host: " + HOST + " extra");
                    m.headers.removeIf(h -> h.startsWith("Host:"));
                    m.headers.add(0, "Host: " + HOST);
                    if (host.isEmpty()) {
                        m.headers.remove(0);
                        name("no Host");
                    } else if (r.nextBoolean() && !host.equals("Host: " + HOST)) {
                        m.headers.set(0, host);
                        name("Host replaced by '" + host + "'");
                    } else {
                        m.headers.add(m.tokenLine() + 1, host);
                        name("second Host '" + host + "'");
                    }
                }
                default -> {
                    m.prefix = pick("\r\n", "\r\n\r\n", "\n", " ", "\u0000");
                    name("bytes before the request line '" + m.prefix + "'");
                }
            }
            if (path.contains("\n") || (query != null && query.contains("\n"))) {
                // LF inside the request line: no reading makes it a valid request. (A bare CR may be read as the
                // separator, RFC 9112 §3: see Paths.readings.)
                mainRole = Role.NEVER;
            }
            m.target = path + (query == null ? "" : "?" + query);
        }

        /** Header lines that are not about framing; inserted after the line after the token, never folded onto it. */
        void headerMutation() {
            Msg m = main;
            int at = m.tokenLine() + 2;
            switch (r.nextInt(10)) {
                case 0 -> {
                    String line = "X-Note: a" + pick("\r\n b", "\r\n\tb", "\r\n  b c");
                    m.headers.add(at, line);
                    name("obs-fold in X-Note");
                }
                case 1 -> {
                    m.headers.add(at, pick("X-Note : a", "X-Note\t: a", "X-Note  : a"));
                    name("whitespace before a header's colon");
                }
                case 2 -> {
                    String line = pick("X-Note: a\u0000b", "X-Note: a\rb", "X-Note: a\u007fb", "X-Note: caf\u00e9",
                            "X-Note: a\u0001b", "X-Note: a\u000bb", "X-Note: a\r", "X-Note: \r\nb");
                    m.headers.add(at, line);
                    name("header value '" + line + "'");
                }
                case 3 -> {
                    String line = pick("X Note: a", "X-Note\u0000: a", "X-N\u00f6te: a", ": a", "X-Note", "X-Note;: a",
                            "X(Note): a", "\tX-Note: a", " X-Note: a", "X-Note:: a", "X-Note\r: a");
                    m.headers.add(at, line);
                    name("header line '" + line + "'");
                }
                case 4 -> {
                    m.eol = "\n";
                    name("bare LF line ends in the head");
                }
                case 5 -> {
                    m.headers.add(at, "X-Note: a\nX-Other: b");
                    name("one header line ended by a bare LF");
                }
                case 6 -> {
                    m.headers.add(at, pick("Expect: 100-continue", "Expect: 100-Continue", "Expect: something"));
                    name("Expect");
                }
                case 7 -> {
                    int n = pick(9_000, 25_000);
                    m.headers.add(at, "X-Big: " + "a".repeat(n));
                    name("a " + n + "-byte header");
                }
                case 8 -> {
                    m.headers.add(at, "Connection: keep-alive, X-Note");
                    m.headers.add(at, "X-Note: hop");
                    name("Connection naming X-Note");
                }
                default -> {
                    m.headers.add(at, pick(" ", "\t", "  \t "));
                    name("a header line of white space only");
                }
            }
        }

        Case finish() {
            if (!names.isEmpty()) {
                mainRole = mainRole.and(Role.MAY);
                afterRole = afterRole.and(Role.MAY);
            }
            List<Sent> sent = new ArrayList<>();
            String wire;
            int maxAnswers = 1;
            if (!extra.isEmpty() || !trailing.isEmpty() || halfClose) {
                wire = main.wire() + trailing;
                maxAnswers += extra.size() + trailingAnswers;
            } else if (r.nextInt(4) == 0) {
                // a properly framed follow-up on the same connection
                Msg f = follow(true);
                wire = main.wire() + f.wire();
                extra.add(sent(f, afterRole));
                maxAnswers = 2;
            } else {
                main.close = r.nextInt(10) < 7;
                wire = main.wire();
            }
            sent.add(new Sent(token, mainRole, main.method, main.target, mainBodies));
            for (Sent s : extra) {
                sent.add(new Sent(s.token(), s.role() == Role.NEVER ? Role.NEVER : s.role().and(afterRole), s.method(),
                        s.target(), s.bodies()));
            }
            return new Case(index, List.copyOf(names), wire.getBytes(ISO_8859_1), sent, halfClose,
                    main.method.equals("HEAD"), maxAnswers);
        }

        /** A request hidden in the bytes: inside a body, or after an ambiguous one. */
        Msg hidden(boolean close) {
            Msg h = new Msg();
            h.method = "GET";
            h.target = "/c/" + hiddenToken + "/smuggled";
            h.headers.add("Host: " + HOST);
            h.headers.add("X-Test-Token: " + hiddenToken);
            h.close = close;
            return h;
        }

        /** A valid request pipelined after the main one. */
        Msg follow(boolean close) {
            Msg f = new Msg();
            f.target = "/c/" + followToken + "/next";
            f.headers.add("Host: " + HOST);
            f.headers.add("X-Test-Token: " + followToken);
            if (r.nextBoolean()) {
                f.method = "GET";
            } else {
                f.method = "POST";
                f.body = "follow-up body " + followToken;
                f.headers.add("Content-Length: " + f.body.length());
            }
            f.close = close;
            return f;
        }

        /** The hidden request as a request of its own must never reach the upstream. */
        void never() {
            extra.add(new Sent(hiddenToken, Role.NEVER, "GET", "/c/" + hiddenToken + "/smuggled", Set.of("")));
        }

        Sent sent(Msg m, Role role) {
            String token = m.headers.stream().filter(h -> h.startsWith("X-Test-Token: ")).findFirst().orElseThrow()
                    .substring("X-Test-Token: ".length());
            return new Sent(token, role, m.method, m.target, Set.of(m.body));
        }

        String word() {
            String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~";
            StringBuilder sb = new StringBuilder();
            for (int i = 1 + r.nextInt(8); i > 0; i--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            return sb.toString();
        }

        /** Text, text with line breaks, or any bytes (one char per byte: the wire is ISO-8859-1). */
        String payload() {
            int length = r.nextInt(5) == 0 ? r.nextInt(3) : 5 + r.nextInt(300);
            StringBuilder sb = new StringBuilder();
            int kind = r.nextInt(3);
            for (int i = 0; i < length; i++) {
                sb.append(switch (kind) {
                    case 0 -> (char) ('a' + r.nextInt(26));
                    case 1 -> r.nextInt(12) == 0 ? '\n' : r.nextInt(12) == 0 ? '\r' : (char) (' ' + r.nextInt(95));
                    default -> (char) r.nextInt(256);
                });
            }
            return sb.toString();
        }

        /** The payload cut into one to four non-empty pieces. */
        List<String> split(String p) {
            List<String> parts = new ArrayList<>();
            int pos = 0;
            int pieces = 1 + r.nextInt(4);
            while (pos < p.length()) {
                int n = pieces-- <= 1 ? p.length() - pos : 1 + r.nextInt(p.length() - pos);
                parts.add(p.substring(pos, pos + n));
                pos += n;
            }
            return parts;
        }

        String chunked(String p) {
            StringBuilder sb = new StringBuilder();
            for (String part : split(p)) {
                String size = Integer.toHexString(part.length());
                sb.append(r.nextBoolean() ? size : size.toUpperCase(Locale.ROOT)).append("\r\n").append(part).append("\r\n");
            }
            return sb.append("0\r\n\r\n").toString();
        }

        @SafeVarargs
        final <T> T pick(T... options) {
            return options[r.nextInt(options.length)];
        }

        /** Spreads consecutive seeds apart (java.util.Random's first draws from close seeds are alike). */
        static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The client side: one connection per case

    record Answer(String version, int status, Map<String, String> headers, String body, boolean bodiless) {
    }

    /**
     * What one connection got back.
     *
     * @param problem bytes that are not HTTP responses, or null
     * @param cut     the last response was cut off (the gateway reset or closed mid-response)
     */
    record Outcome(Case c, byte[] received, List<Answer> answers, String problem, boolean cut, boolean closedByGateway,
                   String error) {
    }

    static final class Client {
        static Outcome run(int port, Case c) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            boolean eof = false;
            boolean halfClosed = c.halfClose();
            String error = null;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                s.setTcpNoDelay(true);
                s.setSoTimeout(100);
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(c.wire());
                    out.flush();
                    if (c.halfClose()) {
                        s.shutdownOutput(); // the body will never be complete
                    }
                } catch (IOException e) {
                    // the gateway closed while we wrote (a refused head): read what it answered
                }
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                long lastByte = System.nanoTime();
                while (true) {
                    try {
                        int n = in.read(buf);
                        if (n < 0) {
                            eof = true;
                            break;
                        }
                        got.write(buf, 0, n);
                        lastByte = System.nanoTime();
                    } catch (SocketTimeoutException quiet) {
                        // see below
                    } catch (IOException reset) {
                        eof = true;
                        break;
                    }
                    int answers = parse(got.toByteArray(), false, c.headFirst()).answers().size();
                    long quietMs = (System.nanoTime() - lastByte) / 1_000_000;
                    if (answers >= c.maxAnswers() && quietMs > 200) {
                        break;
                    }
                    if (answers >= c.minAnswers() && quietMs > 1_000) {
                        break; // answered; the connection is left open
                    }
                    if (quietMs > (c.owed() ? OWED_WAIT_MS : STUCK_MS)) {
                        if (halfClosed || c.owed()) {
                            break;
                        }
                        // The gateway waits for bytes the mutation left out: say there are none coming.
                        try {
                            s.shutdownOutput();
                        } catch (IOException ignored) {
                            // closed already
                        }
                        halfClosed = true;
                        lastByte = System.nanoTime();
                    }
                }
            } catch (IOException e) {
                error = e.toString();
            }
            byte[] bytes = got.toByteArray();
            Parsed p = parse(bytes, eof, c.headFirst());
            return new Outcome(c, bytes, p.answers(), p.problem(), p.cut(), eof && !halfClosed, error);
        }

        record Parsed(List<Answer> answers, String problem, boolean cut) {
        }

        /** Splits what the gateway sent into responses (interim 1xx skipped). */
        static Parsed parse(byte[] data, boolean eof, boolean firstIsHead) {
            List<Answer> answers = new ArrayList<>();
            try {
                return parse(data, eof, firstIsHead, answers);
            } catch (RuntimeException e) {
                return new Parsed(answers, "a response that cannot be parsed (" + e + ")", false);
            }
        }

        private static Parsed parse(byte[] data, boolean eof, boolean firstIsHead, List<Answer> answers) {
            int pos = 0;
            while (pos < data.length) {
                int headEnd = indexOf(data, "\r\n\r\n", pos);
                String start = new String(data, pos, Math.min(5, data.length - pos), ISO_8859_1);
                if (!"HTTP/".startsWith(start)) {
                    return new Parsed(answers, "bytes that are not a response: " + esc(data, pos, 300), false);
                }
                if (headEnd < 0) {
                    return new Parsed(answers, null, eof);
                }
                String[] lines = new String(data, pos, headEnd - pos, ISO_8859_1).split("\r\n");
                String[] statusLine = lines[0].split(" ", 3);
                int status;
                try {
                    status = Integer.parseInt(statusLine[1]);
                } catch (RuntimeException e) {
                    return new Parsed(answers, "a bad status line: " + esc(data, pos, 200), false);
                }
                Map<String, String> headers = new HashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                lines[i].substring(colon + 1).trim());
                    }
                }
                int bodyStart = headEnd + 4;
                if (status / 100 == 1) {
                    pos = bodyStart;
                    continue;
                }
                // A HEAD response has no body whatever its Content-Length; an error for a HEAD that did not parse
                // may have one. What follows tells which.
                boolean bodiless = status == 204 || status == 304 || (firstIsHead && answers.isEmpty()
                        && (bodyStart == data.length || startsWith(data, bodyStart, "HTTP/")));
                int end;
                String body;
                if (bodiless) {
                    end = bodyStart;
                    body = "";
                } else if (headers.containsKey("content-length")) {
                    int length = Integer.parseInt(headers.get("content-length"));
                    if (bodyStart + length > data.length) {
                        return new Parsed(answers, null, eof);
                    }
                    end = bodyStart + length;
                    body = new String(data, bodyStart, length, ISO_8859_1);
                } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                    StringBuilder sb = new StringBuilder();
                    int at = bodyStart;
                    while (true) {
                        int lineEnd = indexOf(data, "\r\n", at);
                        if (lineEnd < 0) {
                            return new Parsed(answers, null, eof);
                        }
                        int size = Integer.parseInt(new String(data, at, lineEnd - at, ISO_8859_1).trim(), 16);
                        at = lineEnd + 2;
                        if (size == 0) {
                            int trailerEnd = indexOf(data, "\r\n", at);
                            if (trailerEnd < 0) {
                                return new Parsed(answers, null, eof);
                            }
                            at = trailerEnd + 2;
                            break;
                        }
                        if (at + size + 2 > data.length) {
                            return new Parsed(answers, null, eof);
                        }
                        sb.append(new String(data, at, size, ISO_8859_1));
                        at += size + 2;
                    }
                    end = at;
                    body = sb.toString();
                } else {
                    if (!eof) {
                        return new Parsed(answers, null, false); // delimited by the close
                    }
                    end = data.length;
                    body = new String(data, bodyStart, data.length - bodyStart, ISO_8859_1);
                }
                answers.add(new Answer(statusLine[0], status, headers, body, bodiless));
                pos = end;
            }
            return new Parsed(answers, null, false);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The invariants

    record Violation(String invariant, Case c, String detail) {
    }

    static final class Checks {
        /** (c) every response is a gateway error or the upstream's answer to this client, in order; OWED get 200. */
        static void clientSide(Outcome o, List<Violation> out) {
            Case c = o.c();
            if (o.error() != null) {
                out.add(new Violation("client", c, "the connection failed: " + o.error()));
            }
            if (o.problem() != null) {
                out.add(new Violation("c", c, o.problem() + "; the client got: " + esc(o.received(), 0, 600)));
            }
            int last = -1;
            Set<String> answered = new LinkedHashSet<>();
            for (Answer a : o.answers()) {
                if (!a.version().equals("HTTP/1.1") && !a.version().equals("HTTP/1.0")) {
                    out.add(new Violation("c", c, "a status line with version '" + a.version() + "', which an HTTP/1.1 "
                            + "client cannot read; the client got: " + esc(o.received(), 0, 300)));
                }
                String echo = a.headers().get("x-echo-token");
                if (echo == null) {
                    if (a.status() < 400 || !(a.bodiless() || isGatewayError(a.body()))) {
                        out.add(new Violation("c", c, "a response that is neither a gateway error nor the upstream's: "
                                + a.status() + "; the client got: " + esc(o.received(), 0, 600)));
                    }
                    continue;
                }
                int position = c.position(echo);
                if (position < 0) {
                    out.add(new Violation("c", c, "got the upstream's answer to ANOTHER request (" + echo + "): "
                            + esc(a.body().getBytes(ISO_8859_1), 0, 200)));
                } else if (c.sent().get(position).role() == Role.NEVER) {
                    out.add(new Violation("c", c, "got an answer to " + echo + ", which it never sent as a request"));
                } else if (!answered.add(echo)) {
                    out.add(new Violation("c", c, "got the answer to " + echo + " twice"));
                } else if (position < last) {
                    out.add(new Violation("c", c, "answers out of order: " + echo + " after " + answered));
                }
                last = Math.max(last, position);
                if (a.status() != 200 || (!a.bodiless() && !a.body().startsWith("token=" + echo + " "))) {
                    out.add(new Violation("c", c, "an upstream answer that is not " + echo + "'s: " + a.status() + " "
                            + esc(a.body().getBytes(ISO_8859_1), 0, 200)));
                }
            }
            for (Sent s : c.sent()) {
                if (s.role() == Role.OWED && !answered.contains(s.token())) {
                    out.add(new Violation("valid", c, "the valid request " + s.token() + " did not get its 200; got "
                            + summary(o)));
                }
            }
        }

        static boolean isGatewayError(String body) {
            try {
                return new JsonObject(body).getString("error") != null;
            } catch (RuntimeException e) {
                return false;
            }
        }

        /** (a) only requests the client sent, consistent with them; (b) each once; (d) no framing errors. */
        static void upstreamSide(RecordingOrigin origin, Map<String, Case> byToken, Map<Integer, Outcome> outcomes,
                                 List<Violation> out) {
            Map<String, Integer> seen = new HashMap<>();
            for (RecordingOrigin.Received got : origin.received) {
                List<String> tokens = got.all("x-test-token");
                String token = tokens.size() == 1 ? tokens.get(0) : null;
                Case c = token == null ? null : byToken.get(token);
                if (c == null) {
                    out.add(new Violation("a", null, "the upstream received a request no client sent (token "
                            + tokens + "): " + esc(got.raw(), 0, 600)));
                    continue;
                }
                Sent s = c.sent().get(c.position(token));
                String clientGot = "; the client got: " + esc(outcomes.get(c.index()).received(), 0, 500);
                if (s.role() == Role.NEVER) {
                    out.add(new Violation("a", c, "the upstream received " + token + ", which the client never sent "
                            + "as a request of its own: " + esc(got.raw(), 0, 600) + clientGot));
                } else {
                    String why = inconsistency(s, got);
                    if (why != null) {
                        out.add(new Violation("a", c, "the upstream received " + token + " unlike what was sent ("
                                + why + "): " + esc(got.raw(), 0, 600) + clientGot));
                    }
                }
                if (seen.merge(token, 1, Integer::sum) == 2) {
                    out.add(new Violation("b", c, "the upstream received " + token + " more than once"));
                }
                Outcome o = outcomes.get(c.index());
                if (s.role() != Role.NEVER && o.closedByGateway()
                        && o.answers().stream().noneMatch(a -> token.equals(a.headers().get("x-echo-token")))) {
                    // the upstream acted on it and answered at once, but the client was never told
                    out.add(new Violation("c", c, "the upstream received and answered " + token + ", but the gateway "
                            + "closed the connection without passing the answer on" + clientGot));
                }
            }
            for (String error : origin.framingErrors) {
                Case c = null;
                for (Map.Entry<String, Case> e : byToken.entrySet()) {
                    if (error.contains("X-Test-Token: " + e.getKey())) {
                        c = e.getValue();
                    }
                }
                out.add(new Violation("d", c, error));
            }
        }

        /** Why what the upstream got is not the request the client sent, or null. */
        static String inconsistency(Sent s, RecordingOrigin.Received got) {
            if (!got.method().equals(s.method())) {
                return "method " + got.method() + " for " + s.method();
            }
            if (!s.bodies().contains(new String(got.body(), ISO_8859_1))) {
                return "a body of " + got.body().length + " bytes, not " + s.bodies().stream().map(String::length).toList();
            }
            int q = got.target().indexOf('?');
            String upPath = Paths.canon(q < 0 ? got.target() : got.target().substring(0, q));
            String upQuery = q < 0 ? "" : got.target().substring(q + 1);
            for (String[] reading : Paths.readings(s.target())) {
                if (Paths.forwarded(reading[0]).contains(upPath) && upQuery.equals(reading[1])) {
                    return null;
                }
            }
            return "target " + got.target() + " for " + s.target();
        }

        static String summary(Outcome o) {
            StringBuilder sb = new StringBuilder();
            for (Answer a : o.answers()) {
                sb.append(a.status()).append(a.headers().containsKey("x-echo-token") ? "(" + a.headers().get("x-echo-token") + ")" : "").append(' ');
            }
            return sb.length() == 0 ? "nothing" + (o.cut() ? " (cut off)" : "") : sb.toString().trim();
        }

        static String report(String summary, List<Violation> violations) {
            StringBuilder sb = new StringBuilder(summary).append('\n');
            Map<String, Integer> counts = new TreeMap<>();
            for (Violation v : violations) {
                String kind = v.c() == null || v.c().mutations().isEmpty() ? "-"
                        : v.c().mutations().get(0).replaceAll("'.*'", "'…'");
                counts.merge("(" + v.invariant() + ") " + kind, 1, Integer::sum);
            }
            sb.append("by invariant and first mutation:\n");
            counts.forEach((k, n) -> sb.append("  ").append(n).append("× ").append(k).append('\n'));
            int shown = 0;
            List<Violation> sorted = new ArrayList<>(violations);
            sorted.sort(java.util.Comparator.comparing(v -> "abdcv".indexOf(v.invariant().charAt(0))));
            for (Violation v : sorted) {
                if (shown++ == DETAILED) {
                    sb.append("… and ").append(violations.size() - DETAILED).append(" more\n");
                    break;
                }
                sb.append("\n(").append(v.invariant()).append(") ");
                if (v.c() != null) {
                    sb.append(v.c().describe()).append(", replay: -Dmutation.seed=").append(SEED)
                            .append(" -Dmutation.only=").append(v.c().index()).append('\n');
                    sb.append("  client sent: ").append(esc(v.c().wire(), 0, 700)).append('\n');
                }
                sb.append("  ").append(v.detail()).append('\n');
            }
            return sb.toString();
        }
    }

    /** The target as upstreams compare it, to tell a normalized path from a changed one. */
    static final class Paths {
        static final String UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
        static final String PCHAR = UNRESERVED + "!$&'()*+,;=:@/";

        /**
         * The (path, query) pairs a target can stand for: as written, and with a fragment cut off. The absolute form's
         * scheme and authority are dropped.
         */
        static List<String[]> readings(String target) {
            String t = target;
            int scheme = t.indexOf("://");
            if (scheme > 0 && scheme < 6 && !t.startsWith("/")) {
                int slash = t.indexOf('/', scheme + 3);
                int question = t.indexOf('?', scheme + 3);
                int from = slash < 0 ? question : question < 0 ? slash : Math.min(slash, question);
                t = from < 0 ? "/" : (t.charAt(from) == '?' ? "/" : "") + t.substring(from);
            }
            List<String[]> readings = new ArrayList<>();
            readings.add(split(t));
            if (t.indexOf('#') >= 0) {
                readings.add(split(t.substring(0, t.indexOf('#'))));
            }
            // RFC 9112 §3: a recipient may split the request line on any white space, bare CR, VT and FF included
            String trimmed = t.replaceAll("[ \\t\\x0B\\f\\r]+$", "");
            if (!trimmed.equals(t)) {
                readings.add(split(trimmed));
            }
            return readings;
        }

        private static String[] split(String t) {
            int q = t.indexOf('?');
            return new String[] {q < 0 ? t : t.substring(0, q), q < 0 ? "" : t.substring(q + 1)};
        }

        /** The canonical paths the gateway may send for a client path: through /strip/** with or without the prefix. */
        static Set<String> forwarded(String clientPath) {
            String canon = canon(clientPath);
            String first = canon.length() > 1 ? canon.substring(1).split("/")[0] : "";
            String stripped = canon.length() > first.length() + 1 ? canon.substring(first.length() + 1) : "/";
            if (first.equals("strip")) {
                return Set.of(stripped);
            }
            // strip-prefix compares case-sensitively while routing does not: either is consistent
            return first.equalsIgnoreCase("strip") ? Set.copyOf(List.of(canon, stripped)) : Set.of(canon);
        }

        /**
         * Percent-encodes what is not a path character, decodes encoded unreserved ones, upper-cases the rest's hex,
         * drops empty segments and resolves dot segments.
         */
        static String canon(String raw) {
            StringBuilder enc = new StringBuilder();
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) && hex(raw.charAt(i + 2))) {
                    int v = Integer.parseInt(raw.substring(i + 1, i + 3), 16);
                    if (UNRESERVED.indexOf(v) >= 0) {
                        enc.append((char) v);
                    } else {
                        enc.append('%').append(raw.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                    }
                    i += 2;
                } else if (c < 128 && PCHAR.indexOf(c) >= 0) {
                    enc.append(c);
                } else {
                    enc.append(String.format(Locale.ROOT, "%%%02X", c & 0xFF));
                }
            }
            Deque<String> segments = new ArrayDeque<>();
            for (String seg : enc.toString().split("/")) {
                if (seg.isEmpty() || seg.equals(".")) {
                    continue;
                }
                if (seg.equals("..")) {
                    segments.pollLast();
                } else {
                    segments.addLast(seg);
                }
            }
            return "/" + String.join("/", segments);
        }

        private static boolean hex(char c) {
            return Character.digit(c, 16) >= 0 && c < 128;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The recording origin

    /**
     * A raw-socket origin that parses requests strictly (RFC 9112, no leniency at all), records each one whole, and
     * answers 200 echoing its token. Anything it cannot frame is a framing error: the connection is closed and the
     * bytes are kept for the report. A request cut off by the gateway (a reset body) is only counted.
     */
    static final class RecordingOrigin implements AutoCloseable {
        record Received(int connection, String method, String target, List<String[]> headers, byte[] body, byte[] raw) {
            List<String> all(String name) {
                List<String> values = new ArrayList<>();
                for (String[] h : headers) {
                    if (h[0].equalsIgnoreCase(name)) {
                        values.add(h[1]);
                    }
                }
                return values;
            }
        }

        static final class Framing extends IOException {
            Framing(String message) {
                super(message);
            }
        }

        static final class Cut extends IOException {
        }

        final ServerSocket server;
        final Queue<Received> received = new ConcurrentLinkedQueue<>();
        final Queue<String> framingErrors = new ConcurrentLinkedQueue<>();
        final AtomicInteger incomplete = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final AtomicInteger connections = new AtomicInteger();

        RecordingOrigin() throws IOException {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        int id = connections.incrementAndGet();
                        Thread t = new Thread(() -> serve(s, id), "recording-origin-" + id);
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "recording-origin");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        /** Waits until no request is being read or answered; returns how many still are. */
        int awaitQuiet(long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            while (System.nanoTime() < deadline) {
                if (open.get() == 0 && System.nanoTime() - lastActivity.get() > 300_000_000L) {
                    return 0;
                }
                Thread.sleep(50);
            }
            return open.get();
        }

        private void serve(Socket s, int id) {
            Wire in = null;
            try (s) {
                in = new Wire(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    in.startRequest();
                    String requestLine = in.line(true);
                    if (requestLine == null) {
                        return;
                    }
                    open.incrementAndGet();
                    lastActivity.set(System.nanoTime());
                    try {
                        Received r = read(id, requestLine, in);
                        received.add(r);
                        answer(out, r);
                        if (r.all("connection").stream().anyMatch(v -> v.equalsIgnoreCase("close"))) {
                            return;
                        }
                    } finally {
                        open.decrementAndGet();
                        lastActivity.set(System.nanoTime());
                    }
                }
            } catch (Framing e) {
                framingErrors.add("the origin could not frame a request on upstream connection " + id + ": "
                        + e.getMessage() + "; the request's bytes: " + esc(in.captured(), 0, 800));
            } catch (IOException e) {
                if (in != null && in.captured().length > 0) {
                    incomplete.incrementAndGet(); // the gateway gave up on this request (reset or closed mid-way)
                }
            } finally {
                sockets.remove(s);
                lastActivity.set(System.nanoTime());
            }
        }

        private static Received read(int id, String requestLine, Wire in) throws IOException {
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || !isToken(parts[0]) || parts[1].isEmpty() || !"HTTP/1.1".equals(parts[2])) {
                throw new Framing("request line '" + requestLine + "'");
            }
            for (char c : parts[1].toCharArray()) {
                if (c <= 0x20 || c >= 0x7F) {
                    throw new Framing("a byte 0x" + Integer.toHexString(c) + " in the request target");
                }
            }
            List<String[]> headers = fields(in);
            List<String> te = values(headers, "transfer-encoding");
            List<String> cl = values(headers, "content-length");
            if (!te.isEmpty() && !cl.isEmpty()) {
                throw new Framing("both Transfer-Encoding and Content-Length");
            }
            if (te.size() > 1 || (te.size() == 1 && !te.get(0).equalsIgnoreCase("chunked"))) {
                throw new Framing("Transfer-Encoding " + te);
            }
            if (cl.size() > 1 || (cl.size() == 1 && !cl.get(0).matches("[0-9]{1,15}"))) {
                throw new Framing("Content-Length " + cl);
            }
            if (values(headers, "host").size() != 1) {
                throw new Framing("Host " + values(headers, "host"));
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (!te.isEmpty()) {
                while (true) {
                    String size = in.line(false);
                    if (!size.matches("[0-9A-Fa-f]{1,8}")) {
                        throw new Framing("chunk size line '" + size + "'");
                    }
                    int n = Integer.parseInt(size, 16);
                    if (n == 0) {
                        fields(in); // trailer fields, held to the same rules
                        break;
                    }
                    body.write(in.bytes(n));
                    if (!in.line(false).isEmpty()) {
                        throw new Framing("no CRLF after chunk data");
                    }
                }
            } else if (!cl.isEmpty()) {
                body.write(in.bytes(Integer.parseInt(cl.get(0))));
            }
            return new Received(id, parts[0], parts[1], headers, body.toByteArray(), in.captured());
        }

        private static List<String[]> fields(Wire in) throws IOException {
            List<String[]> headers = new ArrayList<>();
            String line;
            while (!(line = in.line(false)).isEmpty()) {
                if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    throw new Framing("obs-fold line '" + line + "'");
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || !isToken(line.substring(0, colon))) {
                    throw new Framing("field line '" + line + "'");
                }
                String value = line.substring(colon + 1).strip();
                if (value.indexOf('\0') >= 0) {
                    throw new Framing("NUL in field '" + line.substring(0, colon) + "'");
                }
                headers.add(new String[] {line.substring(0, colon), value});
                if (headers.size() > 300) {
                    throw new Framing("too many fields");
                }
            }
            return headers;
        }

        private static List<String> values(List<String[]> headers, String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values;
        }

        private static boolean isToken(String s) {
            if (s.isEmpty()) {
                return false;
            }
            for (char c : s.toCharArray()) {
                if (!(c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                    return false;
                }
            }
            return true;
        }

        private static void answer(OutputStream out, Received r) throws IOException {
            List<String> tokens = r.all("x-test-token");
            String token = tokens.size() == 1 && tokens.get(0).matches("[a-z0-9]{1,16}") ? tokens.get(0) : "invalid";
            byte[] body = ("token=" + token + " method=" + r.method() + " target=" + r.target()).getBytes(ISO_8859_1);
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo-Token: " + token
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(ISO_8859_1));
            if (!r.method().equals("HEAD")) {
                out.write(body);
            }
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }

        /** Reads lines and bytes strictly, keeping the current request's bytes for the report. */
        static final class Wire {
            private final InputStream in;
            private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

            Wire(InputStream in) {
                this.in = new BufferedInputStream(in);
            }

            void startRequest() {
                captured.reset();
            }

            byte[] captured() {
                return captured.toByteArray();
            }

            private int read() throws IOException {
                int b = in.read();
                if (b >= 0 && captured.size() < 1 << 20) {
                    captured.write(b);
                }
                return b;
            }

            /** A line ended by CRLF; a bare CR or LF is a framing error. Null at a clean end (first line only). */
            String line(boolean first) throws IOException {
                StringBuilder sb = new StringBuilder();
                while (true) {
                    int b = read();
                    if (b < 0) {
                        if (first && sb.length() == 0) {
                            return null;
                        }
                        throw new Cut();
                    }
                    if (b == '\r') {
                        int next = read();
                        if (next == '\n') {
                            return sb.toString();
                        }
                        if (next < 0) {
                            throw new Cut();
                        }
                        throw new Framing("a bare CR");
                    }
                    if (b == '\n') {
                        throw new Framing("a bare LF");
                    }
                    sb.append((char) b);
                    if (sb.length() > 65_536) {
                        throw new Framing("a line over 64 KB");
                    }
                }
            }

            byte[] bytes(int n) throws IOException {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    int c = read();
                    if (c < 0) {
                        throw new Cut();
                    }
                    b[i] = (byte) c;
                }
                return b;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bytes

    static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    static int indexOf(byte[] data, String what, int from) {
        byte[] w = what.getBytes(ISO_8859_1);
        outer:
        for (int i = from; i <= data.length - w.length; i++) {
            for (int j = 0; j < w.length; j++) {
                if (data[i + j] != w[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static boolean startsWith(byte[] data, int at, String prefix) {
        return indexOf(data, prefix, at) == at;
    }

    /** Bytes as one readable line: CR, LF, and anything not printable ASCII escaped. */
    static String esc(byte[] b, int from, int max) {
        StringBuilder sb = new StringBuilder();
        int end = Math.min(b.length, from + max);
        for (int i = from; i < end; i++) {
            int c = b[i] & 0xFF;
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c >= 0x20 && c < 0x7F) {
                sb.append((char) c);
            } else {
                sb.append(String.format(Locale.ROOT, "\\x%02X", c));
            }
        }
        if (b.length > end) {
            sb.append("…(+").append(b.length - end).append(" bytes)");
        }
        return sb.toString();
    }
}
