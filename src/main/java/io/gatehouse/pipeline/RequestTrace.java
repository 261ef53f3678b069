package io.gatehouse.pipeline;

import io.gatehouse.upstream.Target;
import io.vertx.core.MultiMap;

/**
 * A request's trace as the chain and the proxy see it ({@link Exchange#trace()}), so that neither depends on a
 * tracing library: {@code observe/} implements it with OpenTelemetry. Null on the exchange while tracing is off.
 */
public interface RequestTrace {
    /** A span in progress; {@link #end} is idempotent. */
    interface Step {
        /**
         * Ends the span. {@code status}: the HTTP status the step produced (a filter's local reply, the upstream's
         * answer), or 0 for none; {@code error}: what went wrong, or null.
         */
        void end(int status, String error);
    }

    /** A span that records nothing (an unsampled request's steps). */
    Step NONE = (status, error) -> {
    };

    /** Starts the span of a filter's request phase ({@link GatewayFilter#spanName()}): authentication, a cache lookup. */
    Step phase(String name);

    /**
     * Starts the client span of one attempt to an upstream target; {@code number} counts from 1 (2 is the first
     * retry). Call {@link #propagate} with it on the headers the target gets.
     */
    Step attempt(int number, String upstream, Target target, String method, String uri);

    /**
     * Puts the trace context ({@code traceparent}, {@code tracestate}) of {@code attempt} on an upstream request's
     * headers, replacing whatever the client sent.
     */
    void propagate(Step attempt, MultiMap headers);
}
