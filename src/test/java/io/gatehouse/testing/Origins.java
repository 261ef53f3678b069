package io.gatehouse.testing;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real origins that read request paths their own way, as the upstreams behind a gateway do: a servlet container
 * (Tomcat), a WSGI server (Python's wsgiref), Node's http module; and a raw-socket origin that misbehaves on purpose
 * (interim 1xx responses, an unasked-for 101). Each answers what it understood; each records what it received.
 */
public final class Origins {
    private Origins() {
    }

    /** One origin: its URL, the paths it was asked for, and how to stop it. */
    public interface Origin extends AutoCloseable {
        String url();

        /** What the origin saw of each request (its own reading of the path). */
        List<String> seen();

        @Override
        void close();
    }

    /** An origin that is running: where, what it saw, how to stop it. */
    private record Running(String url, List<String> seen, Runnable stop) implements Origin {
        @Override
        public void close() {
            stop.run();
        }
    }

    /**
     * Tomcat with two servlets: {@code /j/admin/*} (the protected one) and {@code /*}. Each answers
     * {@code servlet <name> <servletPath+pathInfo>}, the path as the container resolved it.
     */
    public static Origin servlet() {
        try {
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(TempDirs.create("gatehouse-tomcat").toString());
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            Context context = tomcat.addContext("", null);
            List<String> seen = new CopyOnWriteArrayList<>();
            Tomcat.addServlet(context, "admin", answering("admin", seen));
            context.addServletMappingDecoded("/j/admin/*", "admin");
            Tomcat.addServlet(context, "open", answering("open", seen));
            context.addServletMappingDecoded("/*", "open");
            tomcat.start();
            return new Running("http://127.0.0.1:" + tomcat.getConnector().getLocalPort(), seen, () -> {
                try {
                    tomcat.stop();
                    tomcat.destroy();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("tomcat did not start", e);
        }
    }

    private static HttpServlet answering(String name, List<String> seen) {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
                seen.add(name + " " + path);
                resp.setContentType("text/plain");
                resp.getWriter().write("servlet " + name + " " + path);
            }
        };
    }

    /** Python's wsgiref: answers {@code {"origin":"wsgi","path":PATH_INFO}} (PATH_INFO is the decoded path). */
    public static Origin wsgi() {
        return process("wsgi", List.of("python3", "-u", "-c", """
                import json, sys
                from wsgiref.simple_server import make_server, WSGIRequestHandler
                class Quiet(WSGIRequestHandler):
                    def log_message(self, *args):
                        pass
                def app(environ, start):
                    path = environ['PATH_INFO']
                    sys.stderr.write('seen ' + path + '\\n')
                    body = json.dumps({'origin': 'wsgi', 'path': path}).encode()
                    start('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
                    return [body]
                server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
                print(server.server_port, flush=True)
                server.serve_forever()
                """));
    }

    /** Node's http module: answers {@code {"origin":"node","url":req.url}} (the target as it arrived). */
    public static Origin node() {
        return process("node", List.of("node", "-e", """
                const http = require('http');
                const server = http.createServer((req, res) => {
                  process.stderr.write('seen ' + req.url + '\\n');
                  res.setHeader('content-type', 'application/json');
                  res.end(JSON.stringify({origin: 'node', url: req.url}));
                });
                server.listen(0, '127.0.0.1', () => console.log(server.address().port));
                """));
    }

    /** Starts a script that prints its port on the first line and "seen PATH" lines on stderr. */
    private static Origin process(String name, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String port = out.readLine();
            if (port == null) {
                throw new IllegalStateException(name + " origin did not start: "
                        + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            List<String> seen = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = err.readLine()) != null) {
                        if (line.startsWith("seen ")) {
                            seen.add(line.substring(5));
                        }
                    }
                } catch (IOException closed) {
                    // the process ended
                }
            }, name + "-origin-log");
            reader.setDaemon(true);
            reader.start();
            return new Running("http://127.0.0.1:" + port.trim(), seen, () -> {
                p.destroy();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(name + " origin did not start", e);
        }
    }

    /**
     * An HTTP/1.1 origin on a plain socket that answers each request on a keep-alive connection with, first, an
     * interim response, and 300 ms later the final {@code 200} whose body and {@code Set-Cookie} name the request's
     * path. {@code /upgrade…} gets an unasked-for {@code 101 Switching Protocols} followed by a stray response.
     * {@code /plain…} gets the final answer alone.
     */
    public static RawOrigin raw() {
        return new RawOrigin();
    }

    public static final class RawOrigin implements Origin {
        private final ServerSocket server;
        private final List<String> seen = new CopyOnWriteArrayList<>();
        public final AtomicInteger connections = new AtomicInteger();
        /** The interim status sent before each final answer. */
        public volatile int interim = 102;

        RawOrigin() {
            try {
                server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.incrementAndGet();
                        Thread t = new Thread(() -> serve(s), "raw-origin-connection");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "raw-origin");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String requestLine = line(in);
                    if (requestLine == null) {
                        return;
                    }
                    while (!line(in).isEmpty()) {
                        // headers: the requests here have no body
                    }
                    String path = requestLine.split(" ")[1];
                    seen.add(path);
                    if (path.startsWith("/upgrade")) {
                        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: something\r\nConnection: Upgrade\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        Thread.sleep(100);
                        write(out, "/stray-after-upgrade");
                        continue;
                    }
                    if (!path.startsWith("/plain")) {
                        out.write(("HTTP/1.1 " + interim + " Interim\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        Thread.sleep(300);
                    }
                    write(out, path);
                }
            } catch (IOException | InterruptedException e) {
                // the gateway closed the connection
            }
        }

        private static void write(OutputStream out, String path) throws IOException {
            byte[] body = ("answer for " + path).getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nSet-Cookie: session=" + path.replaceAll("[^A-Za-z0-9/_-]", "") + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    return sb.toString();
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.length() == 0 ? null : sb.toString();
        }

        @Override
        public String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public List<String> seen() {
            return seen;
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
