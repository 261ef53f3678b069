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
    private final RateLimitsConfig.Headers headers;
    private final RateLimitMetrics metrics;
    private final TopKeys top;

    RateLimitGlobal(List<PolicyLimiter> policies, RedisLink redis, RateLimitsConfig.Headers headers,
                    RateLimitMetrics metrics, TopKeys top) {
        super(policies, redis);
        this.headers = headers;
        this.metrics = metrics;
        this.top = top;
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
        }
        return DONE;
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
