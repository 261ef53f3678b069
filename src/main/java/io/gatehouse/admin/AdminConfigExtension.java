package io.gatehouse.admin;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@code admin: {token-file: /etc/gatehouse/admin/token}}: the admin API's credential. The file is read when the
 * config is loaded, so a missing or empty one refuses the config with its key path; it is read again when it
 * changes (a rotated Secret), see {@link AdminApi}.
 */
@Singleton
public class AdminConfigExtension implements ConfigExtension {
    public static final ConfigKey<AdminSettings> SECTION = ConfigKey.of("admin", AdminSettings.class);
    private static final Set<String> KEYS = Set.of("token-file");

    @Override
    public Set<String> sections() {
        return Set.of("admin");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        Map<String, Object> map = nodes.section(file.get("admin"), "admin", KEYS);
        if (map == null) {
            return;
        }
        String path = nodes.string(map.get("token-file"), "admin.token-file", true);
        if (path == null) {
            return;
        }
        Path tokenFile = Path.of(path);
        try {
            AdminToken.read(tokenFile);
        } catch (IllegalArgumentException e) {
            nodes.problem("admin.token-file", e.getMessage());
            return;
        }
        into.put(SECTION, new AdminSettings(tokenFile));
    }
}
