package io.gatehouse.ratelimit;

import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Counters in Redis, shared by every replica: one {@code EVALSHA} per group of policies that count the same key,
 * deciding all their windows atomically with the time taken from Redis ({@code TIME}), so the replicas' clocks do
 * not matter. Keys carry the counted key as a Cluster hash tag ({@code gatehouse:rl:{ip:10.0.0.7}:per-ip:60}), so
 * all the windows one script touches live in one slot, and expire on their own once they no longer matter.
 */
final class RedisCounters {
    /**
     * The same steps as {@link Algorithms}: decide every window of every policy first, then write only if no
     * enforcing policy refused (a refused request counts nowhere); a refused policy with {@code ban-for} starts its
     * ban. ARGV: policy count, peek (1: write nothing, and report what is left now), then per policy algorithm (0 sliding-window, 1 gcra), dry run (0/1), ban (µs),
     * window count, and per window count, length (µs), burst. KEYS: per policy its ban key, then one per window.
     * Returns: per policy allowed, banned, retry-after (µs), then per window limit, remaining, reset (µs).
     */
    static final String SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local np, peek = tonumber(ARGV[1]), tonumber(ARGV[2])
            local a, k = 3, 1
            local refused = false
            local results = {}
            for p = 1, np do
              local alg, dry, banFor, nw = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3])
              a = a + 4
              local res = {allowed = 1, banned = 0, retry = 0, windows = {}, writes = {}, banKey = KEYS[k], banFor = banFor}
              k = k + 1
              local ttl = 0
              if banFor > 0 then ttl = redis.call('PTTL', res.banKey) end
              for i = 1, nw do
                local count, w, burst = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2])
                a = a + 3
                local key = KEYS[k]
                k = k + 1
                if ttl > 0 then
                  res.windows[i] = {count, 0, ttl * 1000}
                elseif alg == 0 then
                  local h = redis.call('HMGET', key, 'w', 'c', 'p')
                  local win = math.floor(now / w)
                  local elapsed = now - win * w
                  local cur, prev = 0, 0
                  local stored = tonumber(h[1])
                  if stored == win then
                    cur, prev = tonumber(h[2]) or 0, tonumber(h[3]) or 0
                  elseif stored == win - 1 then
                    prev = tonumber(h[2]) or 0
                  end
                  local est = prev * (w - elapsed) / w + cur
                  if est + 1 <= count + 1e-9 then
                    res.windows[i] = {count, math.max(0, math.floor(count - est - 1 + peek + 1e-9)), w - elapsed}
                    res.writes[#res.writes + 1] = {0, key, win, cur + 1, prev, w, stored ~= win}
                  else
                    local wait
                    if cur <= count - 1 and prev > 0 then
                      wait = math.max(1, math.ceil(w - (count - 1 - cur) * w / prev) - elapsed)
                    else
                      local passAt = 0
                      if cur > 0 then passAt = math.ceil(w - (count - 1) * w / cur) end
                      wait = (w - elapsed) + math.max(0, passAt)
                    end
                    res.allowed = 0
                    res.retry = math.max(res.retry, wait)
                    res.windows[i] = {count, 0, math.max(w - elapsed, wait)}
                  end
                else
                  local interval = math.max(1, math.floor(w / count))
                  local tolerance = interval * (burst - 1)
                  local tat = tonumber(redis.call('GET', key)) or now
                  if tat < now then tat = now end
                  if tat - now > tolerance then
                    res.allowed = 0
                    res.retry = math.max(res.retry, math.max(1, tat - tolerance - now))
                    res.windows[i] = {count, 0, tat - now}
                  else
                    local nxt = tat + interval
                    local left = nxt
                    if peek == 1 then left = tat end
                    res.windows[i] = {count, math.max(0, math.floor((tolerance - (left - now)) / interval) + 1), nxt - now}
                    res.writes[#res.writes + 1] = {1, key, nxt}
                  end
                end
              end
              if ttl > 0 then
                res.allowed, res.banned, res.retry = 0, 1, ttl * 1000
              end
              if res.allowed == 0 and dry == 0 then refused = true end
              results[p] = res
            end
            local out = {}
            for p = 1, np do
              local res = results[p]
              if peek == 1 then
                -- the status endpoint: what a request would be told, nothing written
              elseif res.allowed == 1 and not refused then
                for _, wr in ipairs(res.writes) do
                  if wr[1] == 0 then
                    redis.call('HSET', wr[2], 'w', wr[3], 'c', wr[4], 'p', wr[5])
                    if wr[7] then
                      -- a new window: the key lives through the next one, where it is the previous window
                      redis.call('PEXPIRE', wr[2], math.ceil(2 * wr[6] / 1000) + 1000)
                    end
                  else
                    redis.call('SET', wr[2], string.format('%d', wr[3]), 'PX', math.ceil((wr[3] - now) / 1000) + 1000)
                  end
                end
              elseif res.allowed == 0 and res.banned == 0 and res.banFor > 0 then
                redis.call('SET', res.banKey, '1', 'PX', math.ceil(res.banFor / 1000))
                res.banned, res.retry = 1, res.banFor
              end
              out[#out + 1] = res.allowed
              out[#out + 1] = res.banned
              out[#out + 1] = res.retry
              for _, wv in ipairs(res.windows) do
                out[#out + 1] = wv[1]
                out[#out + 1] = wv[2]
                out[#out + 1] = wv[3]
              end
            end
            return out""";
    static final String SHA = sha1(SCRIPT);

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
     * Decides one request for the policies of {@code group}, which all count {@code countedKey}, filling their
     * verdicts. Fails (after at most the link's timeout) when Redis does not answer.
     */
    Future<Void> decide(String countedKey, Verdict[] verdicts) {
        return run(countedKey, verdicts, false);
    }

    /** What {@link #decide} would tell a request, counting nothing. */
    Future<Void> peek(String countedKey, Verdict[] verdicts) {
        return run(countedKey, verdicts, true);
    }

    private Future<Void> run(String countedKey, Verdict[] verdicts, boolean peek) {
        return link.send(request(Command.EVALSHA, SHA, countedKey, verdicts, peek))
                // not in Redis' script cache (a restarted Redis): EVAL runs it and caches it for the EVALSHAs after
                .recover(err -> RedisLink.isScriptMissing(err)
                        ? link.send(request(Command.EVAL, SCRIPT, countedKey, verdicts, peek))
                        : Future.failedFuture(err))
                .map(response -> {
                    read(response, verdicts);
                    return null;
                });
    }

    private static Request request(Command command, String script, String countedKey, Verdict[] verdicts, boolean peek) {
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
        request.arg(verdicts.length).arg(peek ? 1 : 0);
        for (Verdict v : verdicts) {
            for (byte[] arg : v.windows.scriptArgs) {
                request.arg(arg);
            }
        }
        return request;
    }

    private static void read(Response response, Verdict[] verdicts) {
        int at = 0;
        for (Verdict v : verdicts) {
            v.allowed = response.get(at++).toLong() == 1;
            v.banned = response.get(at++).toLong() == 1;
            long retry = response.get(at++).toLong();
            v.retryAfterMicros = v.allowed ? 0 : retry;
            for (int i = 0; i < v.limit.length; i++) {
                v.limit[i] = response.get(at++).toLong();
                v.remaining[i] = response.get(at++).toLong();
                v.resetMicros[i] = response.get(at++).toLong();
            }
        }
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
