package io.gatehouse.ratelimit;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The global stage: the policies of {@code rate-limits.defaults.global} on every request, before routing and
 * authentication (a flood without credentials is refused before any signature is checked); and, as the last
 * filter every answer passes on its way out, the rate-limit headers of both stages, the decision metrics and the
 * most-limited keys.
 */
final class RateLimitGlobal extends RateLimitStage {
    /** The token endpoint of the contract (DESIGN.md): limited per address, before any credential is checked. */
    static final String TOKEN_PATH = "/auth/token";

    private final RateLimitsConfig.Headers headers;
    private final RateLimitMetrics metrics;
    private final TopKeys top;
    /** {@code GET /ratelimit/status}, or null when {@code rate-limits.status-endpoint} is off. */
    private final StatusEndpoint status;

    /** {@code POST /auth/token}'s own limit (policy {@code auth-token}), after the global policies. */
    private final RateLimitStage tokenEndpoint;

    RateLimitGlobal(List<PolicyLimiter> policies, RateLimitStage tokenEndpoint, RedisLink redis,
                    RateLimitsConfig.Headers headers, RateLimitMetrics metrics, TopKeys top, StatusEndpoint status) {
        super(policies, redis);
        this.tokenEndpoint = tokenEndpoint;
        this.headers = headers;
        this.metrics = metrics;
        this.top = top;
        this.status = status;
    }

    @Override
    public Future<io.gatehouse.pipeline.LocalReply> onRequest(Exchange exchange) {
        if (status != null && StatusEndpoint.PATH.equals(exchange.path())
                && exchange.request().method() == io.vertx.core.http.HttpMethod.GET) {
            // the global policies (flood protection, bans) count it like any request before it costs a credential
            // check; the policies it reports on do not
            return super.onRequest(exchange).compose(reply -> reply != null ? Future.succeededFuture(reply)
                    : status.answer(exchange));
        }
        if (exchange.request().method() == io.vertx.core.http.HttpMethod.POST && TOKEN_PATH.equals(exchange.path())) {
            return super.onRequest(exchange).compose(reply -> reply != null ? Future.succeededFuture(reply)
                    : tokenEndpoint.onRequest(exchange));
        }
        return super.onRequest(exchange);
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.of(Phase.REQUEST, Phase.RESPONSE, Phase.COMPLETE);
    }

    @Override
    public Future<Void> onResponse(Exchange exchange) {
        Decisions decisions = exchange.get(Decisions.KEY);
        if (decisions != null) {
            RateLimitHeaders.write(exchange.response().headers(), decisions.verdicts, headers);
            exchange.logField("rate_limit", outcome(decisions));
        }
        return DONE;
    }

    /** The access log's {@code rate_limit}: {@code banned}, {@code limited}, {@code dry_run_limited} or {@code allowed}. */
    static String outcome(Decisions decisions) {
        String outcome = "allowed";
        for (Verdict v : decisions.verdicts) {
            if (v.refuses()) {
                return v.banned ? "banned" : "limited";
            }
            if (!v.allowed) {
                outcome = "dry_run_limited";
            }
        }
        return outcome;
    }

    @Override
    public void onComplete(Exchange exchange) {
        Decisions decisions = exchange.get(Decisions.KEY);
        if (decisions == null) {
            return;
        }
        String route = exchange.label() != null ? exchange.label() : "none";
        for (int i = 0; i < decisions.verdicts.size(); i++) {
            Verdict v = decisions.verdicts.get(i);
            metrics.decision(route, v);
            if (!v.allowed) {
                top.add(v.policy.name(), decisions.countedKeys.get(i));
            }
            if (decisions.fellBack && v.policy.store() == PolicyConfig.Store.REDIS) {
                metrics.fallback(v.policy.name());
            }
        }
    }
}
