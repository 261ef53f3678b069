package io.gatehouse.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The most-limited keys in bounded memory: the Space-Saving sketch (Metwally et al.). It holds at most
 * {@code capacity} counters; a key not held replaces the one with the smallest count and starts from that count,
 * so a key's count is an upper bound off by at most the {@code error} it inherited, and every key limited more
 * often than total/capacity times is certainly held.
 */
final class TopKeys {
    record Entry(String policy, String key, long count, long error) {
    }

    private static final class Slot {
        final String policy;
        final String key;
        long count;
        long error;

        Slot(String policy, String key, long count, long error) {
            this.policy = policy;
            this.key = key;
            this.count = count;
            this.error = error;
        }
    }

    private final int capacity;
    private final Map<String, Slot> slots = new HashMap<>();

    TopKeys(int capacity) {
        this.capacity = capacity;
    }

    /** One refusal of {@code key} by {@code policy}. */
    synchronized void add(String policy, String key) {
        String id = policy + '\u0000' + key;
        Slot slot = slots.get(id);
        if (slot != null) {
            slot.count++;
            return;
        }
        if (slots.size() < capacity) {
            slots.put(id, new Slot(policy, key, 1, 0));
            return;
        }
        Map.Entry<String, Slot> min = null;
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            if (min == null || e.getValue().count < min.getValue().count) {
                min = e;
            }
        }
        slots.remove(min.getKey());
        long floor = min.getValue().count;
        slots.put(id, new Slot(policy, key, floor + 1, floor));
    }

    /** The held keys, most limited first. */
    synchronized List<Entry> top(int limit) {
        List<Entry> all = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            all.add(new Entry(s.policy, s.key, s.count, s.error));
        }
        all.sort((a, b) -> Long.compare(b.count(), a.count()));
        return all.size() > limit ? all.subList(0, limit) : all;
    }
}
