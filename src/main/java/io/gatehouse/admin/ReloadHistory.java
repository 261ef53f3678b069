package io.gatehouse.admin;

import io.gatehouse.pipeline.ReloadRefused;
import io.gatehouse.pipeline.SnapshotInstalled;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/** The last {@link #KEEP} config loads of this process, installed or refused, newest first (kept in memory only). */
@Singleton
public class ReloadHistory {
    static final int KEEP = 10;

    private record Entry(Instant at, boolean ok, long version, String source, int routes, int upstreams, String error) {
        JsonObject json() {
            JsonObject o = new JsonObject().put("at", at.toString()).put("ok", ok);
            if (ok) {
                o.put("version", version).put("source", source).put("routes", routes).put("upstreams", upstreams);
            } else {
                o.put("error", error);
            }
            return o;
        }
    }

    private final Deque<Entry> entries = new ArrayDeque<>();

    void installed(@Observes SnapshotInstalled event) {
        var s = event.snapshot();
        add(new Entry(s.loadedAt(), true, s.version(), s.source(), s.config().routes().size(),
                s.config().upstreams().size(), null));
    }

    void refused(@Observes ReloadRefused event) {
        add(new Entry(Instant.now(), false, 0, null, 0, 0, event.error()));
    }

    private synchronized void add(Entry entry) {
        entries.addFirst(entry);
        while (entries.size() > KEEP) {
            entries.removeLast();
        }
    }

    /** Newest first. */
    synchronized JsonArray json() {
        JsonArray list = new JsonArray();
        entries.forEach(e -> list.add(e.json()));
        return list;
    }
}
