package io.gatehouse.edge;

import java.util.List;

/**
 * Headers to add to and remove from answers, as the config file gives them ({@code server.response-headers} and
 * {@code server.security-headers}, or a route's {@code response-headers} and {@code security-headers}), checked by
 * {@link ResponseHeadersConfigExtension}; {@link ResponseHeaders} is what it compiles to.
 *
 * @param add             names and values, in file order: set on every answer, replacing what was there
 * @param remove          names removed from every answer (an upstream's {@code Server}, {@code X-Powered-By}…)
 * @param securityHeaders the security preset on or off; null: not said here (a route then follows the server)
 */
record ResponseHeadersConfig(List<Header> add, List<String> remove, Boolean securityHeaders) {
    static final ResponseHeadersConfig NONE = new ResponseHeadersConfig(List.of(), List.of(), null);

    /** One header to add. */
    record Header(String name, String value) {
    }
}
