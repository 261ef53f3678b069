package io.gatehouse.config;

import java.util.List;

/** A config file that cannot be used. Each problem names its key path: {@code routes[0].upstream: no upstream named 'x'}. */
public class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(source + ": " + problems.size() + " problem(s): " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
