package io.gatehouse.admin;

import java.nio.file.Path;

/**
 * The {@code admin:} section.
 *
 * @param tokenFile the file holding the bearer token for {@code /admin/*} (a mounted Secret)
 */
public record AdminSettings(Path tokenFile) {
}
