package io.gatehouse.auth;

import io.gatehouse.pipeline.Caller;

import java.util.List;

/**
 * Who a request was authenticated as. Built once per key when a config is loaded and shared by every request
 * that presents the key.
 *
 * @param id    the key id (sent upstream as {@code X-User-ID})
 * @param roles the roles held, in config order (sent upstream comma-joined as {@code X-User-Role})
 * @param tier  the tier, or null
 */
public record Principal(String id, List<String> roles, String tier) implements Caller {
    public Principal {
        roles = List.copyOf(roles);
    }

    /** Whether the principal holds at least one of {@code wanted}. */
    public boolean holdsAny(List<String> wanted) {
        for (int i = 0; i < wanted.size(); i++) {
            if (roles.contains(wanted.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** The roles as the {@code X-User-Role} header value: comma-joined, empty when none. */
    public String rolesHeader() {
        return String.join(",", roles);
    }
}
