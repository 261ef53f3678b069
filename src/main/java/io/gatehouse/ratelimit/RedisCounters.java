package io.gatehouse.ratelimit;

import io.gatehouse.redis.RedisLink;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counters in Redis, shared by every replica: one {@code EVALSHA} per group of policies that count the same key,
 * deciding all their windows atomically with the time taken from Redis ({@code TIME}), so the replicas' clocks do
 * not matter. Keys carry the counted key as a Cluster hash tag ({@code gatehouse:rl:{ip:10.0.0.7}:per-ip:60}), so
 * all the windows one script touches live in one slot, and expire on their own once they no longer matter.
 */
final class RedisCounters {
    /**
     * The same steps as {@link Algorithms}, for {@code n} requests of one counted key at once (the requests that
     * queued behind the call in flight, see {@link #decide}): first, per window, how many of the n it would let
     * through (its fit), a policy's fit being its windows' least; the group lets through the least fit of its
     * enforcing policies, and each policy counts that many (a dry run no more than its own fit). So a refused request
     * counts nowhere, and n requests decided at once get exactly what n requests decided one after the other would.
     * A policy that refuses any of them (its fit is below n and at most what the group let through) starts its
     * {@code ban-for}. {@code n = 0} is a peek: what one more
     * request would get, counting nothing. Each redis.call costs about 2 µs inside Redis and the script's own work
     * about as much again, once per batch.
     *
     * <p>ARGV: policy count, n, then per policy algorithm (0 sliding-window, 1 gcra), dry run (0/1), ban (µs), window
     * count, and per window count, length (µs), burst. KEYS: per policy its ban key, then one per window. Returns per
     * policy its fit, banned (0/1), retry-after (µs, for the first request it refuses), then per window limit,
     * remaining after the counted ones, reset (µs).
     */
    static final String SCRIPT = """
            local call, tonumber, floor, ceil, max, min = redis.call, tonumber, math.floor, math.ceil, math.max, math.min
            local t = call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local np, n = tonumber(ARGV[1]), tonumber(ARGV[2])
            local m = max(n, 1)
            local a, k, nwin, all = 3, 1, 0, m
            local P, W = {}, {}
            for p = 1, np do
              local alg, dry, banFor, nw = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3])
              a = a + 4
              local banKey = KEYS[k]
              k = k + 1
              local ttl = 0
              if banFor > 0 then ttl = call('PTTL', banKey) end
              local fit = m
              if ttl > 0 then fit = 0 end
              for i = 1, nw do
                local count, w, burst = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2])
                a = a + 3
                local key = KEYS[k]
                k = k + 1
                local f, s1, s2, s3, s4 = 0, 0, 0, 0, false
                if ttl <= 0 then
                  if alg == 0 then
                    local h = call('HMGET', key, 'w', 'c', 'p')
                    local win = floor(now / w)
                    local cur, prev = 0, 0
                    local stored = tonumber(h[1])
                    if stored == win then
                      cur, prev = tonumber(h[2]) or 0, tonumber(h[3]) or 0
                    elseif stored == win - 1 then
                      prev = tonumber(h[2]) or 0
                    end
                    f = floor(count - (prev * (w - (now - win * w)) / w + cur) + 1e-9)
                    s1, s2, s3, s4 = win, cur, prev, stored ~= win
                  else
                    local interval = max(1, floor(w / count))
                    local tolerance = interval * (burst - 1)
                    local tat = tonumber(call('GET', key)) or now
                    if tat < now then tat = now end
                    f = floor((tolerance - (tat - now)) / interval) + 1
                    s1, s2, s3 = tat, interval, tolerance
                  end
                  if f < 0 then f = 0 end
                  if f < fit then fit = f end
                end
                nwin = nwin + 1
                W[nwin] = {key, count, w, f, s1, s2, s3, s4}
              end
              P[p] = {alg, banFor, nw, banKey, ttl, fit}
              if dry == 0 and fit < all then all = fit end
            end
            local out, o, wi = {}, 0, 0
            for p = 1, np do
              local alg, banFor, nw, banKey, ttl, fit = unpack(P[p])
              local c = 0
              if n > 0 then c = min(all, fit) end
              local banned, retry = 0, 0
              if ttl > 0 then banned, retry = 1, ttl * 1000 end
              local base = o
              o = o + 3
              for i = 1, nw do
                wi = wi + 1
                local key, count, w, f, s1, s2, s3, s4 = unpack(W[wi])
                local rem, reset = 0, ttl * 1000
                local refuses = ttl <= 0 and f <= c and fit < m
                if ttl > 0 then
                  rem = 0
                elseif alg == 0 then
                  local win, cur, prev = s1, s2 + c, s3
                  local elapsed = now - win * w
                  rem, reset = max(0, floor(count - (prev * (w - elapsed) / w + cur) + 1e-9)), w - elapsed
                  if refuses then
                    local wait
                    if cur <= count - 1 and prev > 0 then
                      wait = max(1, ceil(w - (count - 1 - cur) * w / prev) - elapsed)
                    else
                      local passAt = 0
                      if cur > 0 then passAt = ceil(w - (count - 1) * w / cur) end
                      wait = (w - elapsed) + max(0, passAt)
                    end
                    retry, reset = max(retry, wait), max(reset, wait)
                  end
                  if c > 0 then
                    call('HSET', key, 'w', win, 'c', cur, 'p', prev)
                    if s4 then call('PEXPIRE', key, ceil(2 * w / 1000) + 1000) end
                  end
                else
                  local interval, tolerance = s2, s3
                  local tat = s1 + c * interval
                  rem, reset = max(0, floor((tolerance - (tat - now)) / interval) + 1), tat - now
                  if c == 0 and f > 0 then reset = tat + interval - now end
                  if refuses then retry = max(retry, max(1, tat - tolerance - now)) end
                  if c > 0 then call('SET', key, string.format('%d', tat), 'PX', ceil((tat - now) / 1000) + 1000) end
                end
                out[o+1], out[o+2], out[o+3] = count, rem, reset
                o = o + 3
              end
              if n > 0 and ttl <= 0 and fit < m and fit <= all and banFor > 0 then
                call('SET', banKey, '1', 'PX', ceil(banFor / 1000))
                banned, retry = 1, banFor
              end
              out[base+1], out[base+2], out[base+3] = fit, banned, retry
            end
            return out""";
    static final String SHA = RedisLink.sha1(SCRIPT);

    /**
     * Each event loop's calls in flight, by what they decide (owner, counted key, windows): a request for the same
     * thing queues behind the call in flight and goes with the others queued in one call when it returns. A hot key
     * (a global bucket, one busy client) then costs Redis one script per round trip per event loop however many
     * requests it carries, instead of one per request; a quiet key goes out at once, as before.
     */
    private static final FastThreadLocal<Map<Group, Batch>> IN_FLIGHT = new FastThreadLocal<>() {
        @Override
        protected Map<Group, Batch> initialValue() {
            return new HashMap<>();
        }
    };

    private final RedisLink link;

    RedisCounters(RedisLink link) {
        this.link = link;
    }

    /** The Redis keys of one policy for one counted key. */
    static String keyPrefix(String countedKey, String policy) {
        // braces would end the hash tag early; the tag must be the whole counted key
        return "gatehouse:rl:{" + countedKey.replace('{', '(').replace('}', ')') + "}:" + policy;
    }

    /**
     * Decides one request for the policies of a group, which all count {@code countedKey}, filling their verdicts.
     * Fails (after at most the link's timeout, or at once when the call it queued behind failed) when Redis does not
     * answer.
     */
    Future<Void> decide(String countedKey, Verdict[] verdicts) {
        Waiter waiter = new Waiter(verdicts, Promise.promise());
        Context context = Vertx.currentContext();
        if (context == null || !Context.isOnEventLoopThread()) {
            send(countedKey, List.of(waiter), null);
            return waiter.done.future();
        }
        Map<Group, Batch> inFlight = IN_FLIGHT.get();
        Group group = new Group(this, countedKey, verdicts);
        Batch batch = inFlight.get(group);
        if (batch != null) {
            batch.queued.add(waiter);
            return waiter.done.future();
        }
        batch = new Batch(group, inFlight, context, Thread.currentThread());
        inFlight.put(group, batch);
        send(countedKey, List.of(waiter), batch);
        return waiter.done.future();
    }

    /** What {@link #decide} would tell a request, counting nothing. */
    Future<Void> peek(String countedKey, Verdict[] verdicts) {
        return run(countedKey, verdicts, 0).map(response -> {
            read(response, verdicts, 0, 0);
            return null;
        });
    }

    /** Sends {@code waiters} as one call; then the ones that queued meanwhile, until none is left. */
    private void send(String countedKey, List<Waiter> waiters, Batch batch) {
        run(countedKey, waiters.get(0).verdicts, waiters.size()).onComplete(ar -> {
            if (batch == null || Thread.currentThread() == batch.loop) {
                answer(countedKey, waiters, batch, ar);
            } else {
                batch.context.runOnContext(v -> answer(countedKey, waiters, batch, ar)); // its map is that loop's own
            }
        });
    }

    private void answer(String countedKey, List<Waiter> waiters, Batch batch, io.vertx.core.AsyncResult<Response> ar) {
        List<Waiter> next = List.of();
        if (batch != null) {
            // settled before any waiter hears back, so a request its answer sets off finds a consistent map
            next = batch.queued;
            if (ar.failed() || next.isEmpty()) {
                batch.inFlight.remove(batch.group);
            } else {
                batch.queued = new ArrayList<>();
                send(countedKey, next, batch);
            }
        }
        if (ar.succeeded()) {
            for (int i = 0; i < waiters.size(); i++) {
                Waiter w = waiters.get(i);
                read(ar.result(), w.verdicts, waiters.size(), i);
                w.done.complete();
            }
            return;
        }
        for (Waiter w : waiters) {
            w.done.fail(ar.cause());
        }
        // Redis is marked down by now: the queued ones fall back at once instead of waiting out a timeout
        for (Waiter w : next) {
            w.done.fail(ar.cause());
        }
    }

    private Future<Response> run(String countedKey, Verdict[] verdicts, int n) {
        return link.send(request(Command.EVALSHA, SHA, countedKey, verdicts, n))
                // not in Redis' script cache (a restarted Redis): EVAL runs it and caches it for the EVALSHAs after
                .recover(err -> RedisLink.isScriptMissing(err)
                        ? link.send(request(Command.EVAL, SCRIPT, countedKey, verdicts, n))
                        : Future.failedFuture(err));
    }

    private static Request request(Command command, String script, String countedKey, Verdict[] verdicts, int n) {
        Request request = Request.cmd(command).arg(script);
        int keys = 0;
        for (Verdict v : verdicts) {
            keys += 1 + v.limits.size();
        }
        request.arg(keys);
        for (Verdict v : verdicts) {
            String prefix = keyPrefix(countedKey, v.policy.name());
            request.arg(prefix + ":ban");
            for (String suffix : v.windows.keySuffixes) {
                request.arg(prefix + suffix);
            }
        }
        request.arg(verdicts.length).arg(n);
        for (Verdict v : verdicts) {
            for (byte[] arg : v.windows.scriptArgs) {
                request.arg(arg);
            }
        }
        return request;
    }

    /**
     * Fills the verdicts of the {@code index}-th of {@code n} requests decided in one call ({@code n = 0}: a peek).
     * Requests go through in the order they queued: the first {@code fit} of a policy pass it, and the first
     * {@code counted} (the group's least enforcing fit) are counted, each seeing what was left after it.
     */
    private static void read(Response response, Verdict[] verdicts, int n, int index) {
        int m = Math.max(n, 1);
        long all = m;
        int at = 0;
        for (Verdict v : verdicts) {
            long fit = response.get(at).toLong();
            if (!v.policy.dryRun()) {
                all = Math.min(all, fit);
            }
            at += 3 + 3 * v.limit.length;
        }
        at = 0;
        for (Verdict v : verdicts) {
            long fit = response.get(at++).toLong();
            boolean banned = response.get(at++).toLong() == 1;
            long retry = response.get(at++).toLong();
            long counted = n == 0 ? 0 : Math.min(all, fit);
            // one by one, a policy whose fit exceeds what the group let through never runs out: it allows them all
            // (the others refuse the rest); one at or below it refuses from its fit on
            v.allowed = fit > all || index < fit;
            v.banned = banned && !v.allowed;
            v.retryAfterMicros = v.allowed ? 0 : retry;
            for (int i = 0; i < v.limit.length; i++) {
                v.limit[i] = response.get(at++).toLong();
                long left = response.get(at++).toLong();
                v.remaining[i] = index < counted ? left + (counted - 1 - index) : left;
                v.resetMicros[i] = response.get(at++).toLong();
            }
        }
    }

    /** What one call decides: the same counters, the same policies, the same limits (a tier's are its own). */
    private static final class Group {
        private final RedisCounters owner;
        private final String countedKey;
        private final Object[] policiesAndLimits;
        private final int hash;

        Group(RedisCounters owner, String countedKey, Verdict[] verdicts) {
            this.owner = owner;
            this.countedKey = countedKey;
            this.policiesAndLimits = new Object[2 * verdicts.length];
            int h = System.identityHashCode(owner) * 31 + countedKey.hashCode();
            for (int i = 0; i < verdicts.length; i++) {
                policiesAndLimits[2 * i] = verdicts[i].policy;
                policiesAndLimits[2 * i + 1] = verdicts[i].limits;
                h = h * 31 + System.identityHashCode(verdicts[i].limits);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Group g) || g.owner != owner || g.hash != hash
                    || g.policiesAndLimits.length != policiesAndLimits.length || !g.countedKey.equals(countedKey)) {
                return false;
            }
            for (int i = 0; i < policiesAndLimits.length; i++) {
                if (g.policiesAndLimits[i] != policiesAndLimits[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record Waiter(Verdict[] verdicts, Promise<Void> done) {
    }

    /** A call in flight on one event loop and the requests queued behind it (touched on that loop only). */
    private static final class Batch {
        final Group group;
        final Map<Group, Batch> inFlight;
        final Context context;
        final Thread loop;
        List<Waiter> queued = new ArrayList<>();

        Batch(Group group, Map<Group, Batch> inFlight, Context context, Thread loop) {
            this.group = group;
            this.inFlight = inFlight;
            this.context = context;
            this.loop = loop;
        }
    }
}
