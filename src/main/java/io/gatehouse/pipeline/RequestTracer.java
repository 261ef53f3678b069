package io.gatehouse.pipeline;

/**
 * Starts a request's trace the moment its exchange exists, before anything can answer it (a request refused as
 * malformed gets its trace id in its error body and log line too). A CDI bean that {@code observe/} provides; the
 * pipeline calls it and knows nothing of the tracing library.
 */
public interface RequestTracer {
    /** Whether requests are traced at all; when false, {@link #start} is never called. */
    boolean enabled();

    /** The tracer to call, or null while tracing is off (then nothing per request). */
    static RequestTracer active(jakarta.enterprise.inject.Instance<RequestTracer> tracers) {
        return tracers.isResolvable() && tracers.get().enabled() ? tracers.get() : null;
    }

    /** Starts the server span of {@code exchange} and puts it on the exchange ({@link Exchange#trace(RequestTrace)}). */
    void start(Exchange exchange);
}
