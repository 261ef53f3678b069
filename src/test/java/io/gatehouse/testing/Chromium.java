package io.gatehouse.testing;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real headless Chromium driven over the DevTools protocol (one WebSocket, flat sessions): the browser the status
 * page test uses. Started by {@link #launch()}, which FAILS when no {@code chromium} is installed (Debian's
 * {@code chromium} package; {@code CHROMIUM} names another binary). {@link #close()} ends the browser process it
 * started, by its handle, and that process's own children.
 */
public final class Chromium implements AutoCloseable {
    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<JsonObject>> listeners = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();

    private Chromium(Process process, Path profile, String wsUrl) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            String text = partial.toString();
                            partial.setLength(0);
                            dispatch(new JsonObject(text));
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(20, TimeUnit.SECONDS);
    }

    public static String binary() {
        String configured = System.getenv("CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        fail("no chromium on PATH: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM");
        return null;
    }

    public static Chromium launch() throws Exception {
        Path profile = TempDirs.create("gatehouse-chromium");
        Process process = new ProcessBuilder(binary(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + profile,
                "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = err.readLine()) != null) {
                    int at = line.indexOf("ws://");
                    if (line.startsWith("DevTools listening on") && at >= 0) {
                        url.complete(line.substring(at).trim());
                    }
                }
            } catch (IOException ended) {
                // the browser is gone
            }
            url.completeExceptionally(new IllegalStateException("chromium exited before it listened"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return new Chromium(process, profile, url.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            kill(process);
            throw e;
        }
    }

    /** A new tab, attached: its session id for {@link #send}. */
    public String newPage() throws Exception {
        String targetId = send(null, "Target.createTarget", new JsonObject().put("url", "about:blank")).getString("targetId");
        return send(null, "Target.attachToTarget", new JsonObject().put("targetId", targetId).put("flatten", true))
                .getString("sessionId");
    }

    /** Every event (method, params, sessionId) as it arrives, on the WebSocket's thread. */
    public void onEvent(Consumer<JsonObject> listener) {
        listeners.add(listener);
    }

    public JsonObject send(String session, String method, JsonObject params) throws Exception {
        return sendAsync(session, method, params).get(30, TimeUnit.SECONDS);
    }

    public CompletableFuture<JsonObject> sendAsync(String session, String method, JsonObject params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        JsonObject message = new JsonObject().put("id", id).put("method", method).put("params", params == null ? new JsonObject() : params);
        if (session != null) {
            message.put("sessionId", session);
        }
        synchronized (socket) {
            socket.sendText(message.encode(), true).join();
        }
        return answer;
    }

    /** Evaluates {@code expression} in the page and returns its value (JSON-able values only). */
    public Object evaluate(String session, String expression) throws Exception {
        JsonObject result = send(session, "Runtime.evaluate", new JsonObject().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.containsKey("exceptionDetails")) {
            throw new IllegalStateException("evaluating " + expression + ": " + result.getJsonObject("exceptionDetails").encode());
        }
        return result.getJsonObject("result").getValue("value");
    }

    private void dispatch(JsonObject message) {
        Integer id = message.getInteger("id");
        if (id != null) {
            CompletableFuture<JsonObject> answer = pending.remove(id);
            if (answer != null) {
                if (message.containsKey("error")) {
                    answer.completeExceptionally(new IllegalStateException(message.getJsonObject("error").encode()));
                } else {
                    answer.complete(message.getJsonObject("result", new JsonObject()));
                }
            }
            return;
        }
        for (Consumer<JsonObject> listener : listeners) {
            try {
                listener.accept(message);
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is going away anyway
        }
        kill(process);
    }

    private static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(child -> {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        });
    }
}
