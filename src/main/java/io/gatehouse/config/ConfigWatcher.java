package io.gatehouse.config;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Notices changes to the config file and hands each new version, parsed, to a listener. It polls: a Kubernetes
 * ConfigMap mount changes by swapping a {@code ..data} symlink, which file-watch APIs report unreliably (or
 * not at all for the file itself), while a poll of the resolved path, modification time and size sees every
 * kind of change. A changed stamp with the same bytes (a touch) is ignored.
 *
 * <p>Not thread-safe: call {@link #check()} from one thread at a time (a periodic timer's worker).
 */
public final class ConfigWatcher {
    private static final Logger LOG = Logger.getLogger(ConfigWatcher.class);

    /** The outcome of one changed file: a config, or the reason it was refused. */
    public interface Listener {
        void changed(GatehouseConfig config);

        void refused(ConfigException problems);
    }

    private final Path path;
    private final Listener listener;
    private final java.util.List<ConfigExtension> extensions;
    private Stamp stamp;
    private byte[] lastBytes;

    private record Stamp(Path realPath, FileTime modified, long size) {
    }

    /** @param loadedText the text of the config now running, so an unchanged file is not reloaded */
    public ConfigWatcher(Path path, String loadedText, Listener listener) {
        this(path, loadedText, java.util.List.of(), listener);
    }

    /** @param extensions the features' parts of the file, as at start-up */
    public ConfigWatcher(Path path, String loadedText, java.util.List<ConfigExtension> extensions, Listener listener) {
        this.path = path;
        this.extensions = extensions;
        this.listener = listener;
        this.lastBytes = loadedText.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.stamp = stamp();
    }

    /** Looks once; reloads when the file changed. */
    public void check() {
        Stamp now = stamp();
        if (now == null || now.equals(stamp)) {
            return;
        }
        stamp = now;
        String text;
        try {
            text = ConfigFile.read(path);
        } catch (ConfigException e) {
            listener.refused(e);
            return;
        }
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (Arrays.equals(bytes, lastBytes)) {
            return;
        }
        lastBytes = bytes;
        GatehouseConfig config;
        try {
            config = ConfigParser.parse(path.toString(), text, extensions);
        } catch (ConfigException e) {
            listener.refused(e);
            return;
        }
        listener.changed(config);
    }

    private Stamp stamp() {
        try {
            Path real = path.toRealPath();
            return new Stamp(real, Files.getLastModifiedTime(real), Files.size(real));
        } catch (IOException e) {
            // Mid-swap, or deleted: keep the running config and look again next time.
            LOG.debugf("config file %s not readable right now: %s", path, e);
            return null;
        }
    }
}
