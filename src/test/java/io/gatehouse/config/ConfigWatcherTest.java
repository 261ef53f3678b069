package io.gatehouse.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigWatcherTest {
    @TempDir
    Path dir;

    /** Same length for every port of four digits, so a change is never visible in the file size alone. */
    private static String config(int port) {
        return """
                upstreams:
                  users:
                    targets:
                      - url: http://127.0.0.1:%d
                routes:
                  - id: users
                    path: /users/**
                    upstream: users
                """.formatted(port);
    }

    private static final String BAD = """
            upstreams:
              users:
                targets:
                  - url: http://127.0.0.1:3001
            routes:
              - id: users
                path: /users/**
                upstream: nosuch
                colour: blue
            """;

    private static final class Recorder implements ConfigWatcher.Listener {
        final List<GatehouseConfig> changed = new ArrayList<>();
        final List<ConfigException> refused = new ArrayList<>();

        @Override
        public void changed(GatehouseConfig config) {
            changed.add(config);
        }

        @Override
        public void refused(ConfigException problems) {
            refused.add(problems);
        }

        int lastPort() {
            return changed.get(changed.size() - 1).upstreams().get("users").targets().get(0).port();
        }
    }

    /** Pins the modification time, so the test does not depend on the file system's timestamp granularity. */
    private static void setModified(Path file, long seconds) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + seconds * 1000));
    }

    @Test
    void editingTheFileInPlaceDeliversTheNewConfig() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, config(3001));
        setModified(file, 0);
        Recorder listener = new Recorder();
        ConfigWatcher watcher = new ConfigWatcher(file, config(3001), listener);

        watcher.check();
        assertEquals(0, listener.changed.size(), "nothing changed yet");

        Files.writeString(file, config(3002));
        setModified(file, 10);
        watcher.check();
        assertEquals(1, listener.changed.size());
        assertEquals(3002, listener.lastPort());
        assertEquals(0, listener.refused.size());

        watcher.check();
        assertEquals(1, listener.changed.size(), "a change is delivered once");
    }

    @Test
    void touchingTheFileWithoutChangingItsBytesDoesNotReload() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, config(3001));
        setModified(file, 0);
        Recorder listener = new Recorder();
        ConfigWatcher watcher = new ConfigWatcher(file, config(3001), listener);

        setModified(file, 10);
        watcher.check();
        Files.writeString(file, config(3001));
        setModified(file, 20);
        watcher.check();
        assertEquals(0, listener.changed.size());
        assertEquals(0, listener.refused.size());
    }

    @Test
    void aBadNewFileIsRefusedWithKeyPathProblemsAndAFixIsThenDelivered() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, config(3001));
        setModified(file, 0);
        Recorder listener = new Recorder();
        ConfigWatcher watcher = new ConfigWatcher(file, config(3001), listener);

        Files.writeString(file, BAD);
        setModified(file, 10);
        watcher.check();
        assertEquals(0, listener.changed.size());
        assertEquals(1, listener.refused.size());
        List<String> problems = listener.refused.get(0).problems();
        assertTrue(problems.contains("routes[0].upstream: no upstream named 'nosuch'"), problems.toString());
        assertTrue(problems.contains("routes[0].colour: unknown key"), problems.toString());
        assertTrue(listener.refused.get(0).getMessage().startsWith(file.toString()), "the message names the file");

        watcher.check();
        assertEquals(1, listener.refused.size(), "the same bad file is reported once");

        Files.writeString(file, config(3003));
        setModified(file, 20);
        watcher.check();
        assertEquals(1, listener.changed.size());
        assertEquals(3003, listener.lastPort());
    }

    @Test
    void aVanishedFileKeepsTheRunningConfigUntilItReturns() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, config(3001));
        setModified(file, 0);
        Recorder listener = new Recorder();
        ConfigWatcher watcher = new ConfigWatcher(file, config(3001), listener);

        Files.delete(file);
        watcher.check();
        assertEquals(0, listener.changed.size());
        assertEquals(0, listener.refused.size(), "a missing file (mid-swap) is not an error");

        Files.writeString(file, config(3004));
        setModified(file, 10);
        watcher.check();
        assertEquals(3004, listener.lastPort());
    }

    @Test
    void kubernetesConfigMapSymlinkSwapIsDetected() throws Exception {
        // The layout the kubelet's atomic writer keeps for a mounted ConfigMap.
        Path first = Files.createDirectory(dir.resolve("..2026_a"));
        Files.writeString(first.resolve("gatehouse.yaml"), config(3001));
        setModified(first.resolve("gatehouse.yaml"), 0);
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_a"));
        Path file = dir.resolve("gatehouse.yaml");
        Files.createSymbolicLink(file, Path.of("..data/gatehouse.yaml"));

        Recorder listener = new Recorder();
        ConfigWatcher watcher = new ConfigWatcher(file, config(3001), listener);
        watcher.check();
        assertEquals(0, listener.changed.size());

        // New version: a new directory whose file has the same size and the same modification time as the old one,
        // so only the resolved path tells them apart; then ..data is swapped in one rename.
        Path second = Files.createDirectory(dir.resolve("..2026_b"));
        Files.writeString(second.resolve("gatehouse.yaml"), config(3002));
        setModified(second.resolve("gatehouse.yaml"), 0);
        swapData(second.getFileName());
        Files.delete(first.resolve("gatehouse.yaml"));
        Files.delete(first);

        watcher.check();
        assertEquals(1, listener.changed.size());
        assertEquals(3002, listener.lastPort());

        // A resync that writes identical content into yet another directory changes nothing.
        Path third = Files.createDirectory(dir.resolve("..2026_c"));
        Files.writeString(third.resolve("gatehouse.yaml"), config(3002));
        swapData(third.getFileName());
        watcher.check();
        assertEquals(1, listener.changed.size());
        assertEquals(0, listener.refused.size());
    }

    private void swapData(Path target) throws IOException {
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
