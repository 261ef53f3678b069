package io.gatehouse.observe;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.RequestTrace;
import io.gatehouse.pipeline.RequestTracer;
import io.gatehouse.upstream.Target;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.EnumSet;
import java.util.Set;

/**
 * Traces with OpenTelemetry (off unless the SDK is enabled: {@code quarkus.otel.sdk.disabled=false} and an OTLP
 * endpoint). The gateway owns its spans: Vert.x' tracer is kept off the traffic server and the upstream clients, so
 * each request has exactly one server span, named {@code {method} {route}} once routing is known, with the
 * OpenTelemetry HTTP semantic conventions; a child span for each filter that names one (authentication, rate limits,
 * the cache lookup) and a client span for each attempt upstream, retries numbered, whose context the target gets in
 * {@code traceparent}. Sampling is Quarkus' sampler ({@code quarkus.otel.traces.sampler}, parent-based ratio by
 * default here). With {@code gatehouse.tracing.untrusted-parents=restart} a {@code traceparent} from a peer that is
 * not a trusted proxy starts a new trace (linked to the client's), so a client cannot choose to be sampled.
 */
@Singleton
public class Tracing implements FilterFactory<FilterSet>, RequestTracer {
    private static final Logger LOG = Logger.getLogger(Tracing.class);
    static final String INSTRUMENTATION = "io.gatehouse";

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> ROUTE_ID = AttributeKey.stringKey("gatehouse.route.id");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gatehouse.request_id");
    static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("gatehouse.upstream");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("gatehouse.attempt");
    static final AttributeKey<Long> REPLY_STATUS = AttributeKey.longKey("gatehouse.reply.status_code");

    private final Stage stage;

    @Inject
    public Tracing(Instance<OpenTelemetry> openTelemetry,
                   @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled,
                   @ConfigProperty(name = "gatehouse.tracing.untrusted-parents", defaultValue = "continue") String untrusted) {
        boolean restart = switch (untrusted) {
            case "continue" -> false;
            case "restart" -> true;
            default -> throw new IllegalArgumentException("gatehouse.tracing.untrusted-parents: '" + untrusted
                    + "' must be continue or restart");
        };
        if (sdkDisabled || !openTelemetry.isResolvable()) {
            stage = null;
            return;
        }
        OpenTelemetry otel = openTelemetry.get();
        stage = new Stage(otel.getTracer(INSTRUMENTATION), otel.getPropagators().getTextMapPropagator(), restart);
        LOG.infof("tracing on (untrusted parents: %s)", untrusted);
    }

    @Override
    public boolean enabled() {
        return stage != null;
    }

    @Override
    public void start(Exchange exchange) {
        stage.start(exchange);
    }

    @Override
    public int order() {
        return ORDER_OBSERVE - 10; // before everything else: every other step is a child of the server span
    }

    /** Tracing off: no filter anywhere, nothing per request. */
    private static final FilterSet OFF = new FilterSet() {
    };

    @Override
    public FilterSet build(GatehouseConfig config, FilterSet previous) {
        return stage != null ? stage : OFF;
    }

    /**
     * The global stage's tracing filter: ends each request's server span once the request is over (the span starts
     * when the exchange is made, {@link #start}, so that even a request refused as malformed has its trace id).
     */
    static final class Stage implements FilterSet, GatewayFilter {
        private final Tracer tracer;
        private final TextMapPropagator propagator;
        private final boolean restartUntrusted;

        Stage(Tracer tracer, TextMapPropagator propagator, boolean restartUntrusted) {
            this.tracer = tracer;
            this.propagator = propagator;
            this.restartUntrusted = restartUntrusted;
        }

        @Override
        public GatewayFilter global() {
            return this;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.COMPLETE);
        }

        void start(Exchange ex) {
            HttpServerRequest req = ex.request();
            String method = req.method().name();
            SpanBuilder builder = tracer.spanBuilder(method).setSpanKind(SpanKind.SERVER);
            Context extracted = propagator.extract(Context.root(), req.headers(), HEADERS);
            SpanContext remote = Span.fromContext(extracted).getSpanContext();
            if (!remote.isValid()) {
                builder.setNoParent();
            } else if (restartUntrusted && !ex.fromTrustedProxy()) {
                builder.setNoParent().addLink(remote); // the client's trace stays findable, but does not decide
            } else {
                builder.setParent(extracted);
            }
            Span span = builder.startSpan();
            if (span.isRecording()) {
                span.setAttribute(METHOD, method);
                span.setAttribute(URL_PATH, ex.path());
                span.setAttribute(URL_SCHEME, req.isSSL() ? "https" : "http");
                String host = req.authority() == null ? null : req.authority().host();
                if (host != null) {
                    span.setAttribute(SERVER_ADDRESS, host);
                }
                span.setAttribute(SERVER_PORT, (long) req.localAddress().port());
                span.setAttribute(CLIENT_ADDRESS, ex.clientIp());
                String agent = req.getHeader("User-Agent");
                if (agent != null) {
                    span.setAttribute(USER_AGENT, agent);
                }
                span.setAttribute(REQUEST_ID, ex.requestId());
            }
            ex.trace(new Trace(tracer, propagator, span));
            if (span.getSpanContext().isValid()) {
                ex.traceId(span.getSpanContext().getTraceId());
            }
        }

        @Override
        public void onComplete(Exchange ex) {
            if (!(ex.trace() instanceof Trace trace)) {
                return; // (an exchange made before tracing was on)
            }
            Span span = trace.server;
            if (span.isRecording()) {
                int status = ex.finalStatus();
                CompiledRoute route = ex.route();
                String method = ex.request().method().name();
                if (route != null) {
                    span.updateName(method + " " + route.config().path());
                    span.setAttribute(ROUTE, route.config().path());
                    span.setAttribute(ROUTE_ID, route.id());
                } else if (ex.label() != null) {
                    span.updateName(method + " " + ex.label());
                }
                if (status > 0 && ex.outcome() != Exchange.Outcome.CLIENT_LEFT) {
                    span.setAttribute(STATUS, (long) status); // (499 is a log convention, not a status sent)
                }
                if (status >= 500 && ex.outcome() != Exchange.Outcome.CLIENT_LEFT) {
                    // a 5xx is the server's failure; a 4xx is the client's, and not an error of this span
                    span.setAttribute(ERROR_TYPE, ex.error() != null ? ex.error() : Integer.toString(status));
                    span.setStatus(StatusCode.ERROR);
                } else if (ex.outcome() != Exchange.Outcome.COMPLETED) {
                    span.setAttribute(ERROR_TYPE, ex.outcome().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            span.end();
        }
    }

    /** One request's trace: its server span, the parent of its steps' spans. */
    static final class Trace implements RequestTrace {
        private final Tracer tracer;
        private final TextMapPropagator propagator;
        final Span server;

        Trace(Tracer tracer, TextMapPropagator propagator, Span server) {
            this.tracer = tracer;
            this.propagator = propagator;
            this.server = server;
        }

        @Override
        public RequestTrace.Step phase(String name) {
            if (!server.isRecording()) {
                return NONE; // not sampled: no spans for its steps, nothing allocated for them
            }
            Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL)
                    .setParent(Context.root().with(server)).startSpan();
            return new StepSpan(span, false);
        }

        @Override
        public RequestTrace.Step attempt(int number, String upstream, Target target, String method, String uri) {
            if (!server.isRecording()) {
                return NONE; // the target still gets the (unsampled) context: the server span's, see propagate
            }
            Span span = tracer.spanBuilder(method).setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(server)).startSpan();
            span.setAttribute(METHOD, method);
            span.setAttribute(SERVER_ADDRESS, target.host());
            span.setAttribute(SERVER_PORT, (long) target.port());
            // without the query: it may carry credentials (?api_key=…), and spans go to another system
            int query = uri.indexOf('?');
            span.setAttribute(URL_FULL, target.url() + (query < 0 ? uri : uri.substring(0, query)));
            span.setAttribute(UPSTREAM, upstream);
            span.setAttribute(ATTEMPT, (long) number);
            if (number > 1) {
                span.setAttribute(RESEND_COUNT, (long) (number - 1));
            }
            return new StepSpan(span, true);
        }

        @Override
        public void propagate(RequestTrace.Step attempt, MultiMap headers) {
            // the client's own context never reaches the target as is: it gets ours (which continues the client's
            // when that was accepted)
            headers.remove("traceparent");
            headers.remove("tracestate");
            Span span = attempt instanceof StepSpan step ? step.span : server;
            if (span.getSpanContext().isValid()) {
                propagator.inject(Context.root().with(span), headers, SETTER);
            }
        }
    }

    /** A step's span: a filter's request phase or an attempt upstream. */
    static final class StepSpan implements RequestTrace.Step {
        final Span span;
        private final boolean attempt;
        private boolean ended;

        StepSpan(Span span, boolean attempt) {
            this.span = span;
            this.attempt = attempt;
        }

        @Override
        public void end(int status, String error) {
            if (ended) {
                return;
            }
            ended = true;
            if (attempt) {
                // the upstream's answer, or why there was none (a timeout, a refused connection, or "cancelled":
                // given up because the client left or the request was answered otherwise)
                if (status > 0) {
                    span.setAttribute(STATUS, (long) status);
                }
                String failure = error != null ? error : status == 0 ? "cancelled" : status >= 500
                        ? Integer.toString(status) : null;
                if (failure != null) {
                    span.setAttribute(ERROR_TYPE, failure);
                    span.setStatus(StatusCode.ERROR);
                }
            } else if (status > 0) {
                // a filter answered the request itself (401, 429, a cache hit): an error of this step only when 5xx
                span.setAttribute(REPLY_STATUS, (long) status);
                if (status >= 500) {
                    span.setAttribute(ERROR_TYPE, error != null ? error : Integer.toString(status));
                    span.setStatus(StatusCode.ERROR);
                }
            }
            span.end();
        }
    }

    static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
            return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    static final TextMapSetter<MultiMap> SETTER = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.set(key, value);
        }
    };
}
