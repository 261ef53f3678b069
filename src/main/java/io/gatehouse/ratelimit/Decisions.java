package io.gatehouse.ratelimit;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.Exchange;

import java.util.ArrayList;
import java.util.List;

/** The verdicts of one request, from both stages (global and route), for its headers, metrics and the top keys. */
final class Decisions {
    static final AttributeKey<Decisions> KEY = AttributeKey.of("rate-limit decisions");

    final List<Verdict> verdicts = new ArrayList<>(2);
    final List<String> countedKeys = new ArrayList<>(2);
    /** A {@code redis} policy decided locally (or let through) because Redis could not be reached. */
    boolean fellBack;

    static Decisions of(Exchange exchange) {
        Decisions d = exchange.get(KEY);
        if (d == null) {
            d = new Decisions();
            exchange.put(KEY, d);
        }
        return d;
    }

    void add(Verdict verdict, String countedKey) {
        verdicts.add(verdict);
        countedKeys.add(countedKey);
    }
}
