package io.gatehouse.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads and parses the config file a path names. Blocking: call it off the event loops. */
public final class ConfigFile {
    /** Larger files are refused: a config is kilobytes; a mistake (a log file mounted) should not eat the heap. */
    static final long MAX_BYTES = 4L * 1024 * 1024;

    private ConfigFile() {
    }

    public static GatehouseConfig load(Path path, List<ConfigExtension> extensions) throws ConfigException {
        return ConfigParser.parse(path.toString(), read(path), extensions);
    }

    public static String read(Path path) throws ConfigException {
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw new ConfigException(path.toString(), List.of("(file): larger than " + MAX_BYTES / 1024 / 1024 + " MB"));
            }
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path.toString(), List.of("(file): no such file"));
        } catch (IOException e) {
            throw new ConfigException(path.toString(), List.of("(file): cannot be read: " + e));
        }
    }
}
