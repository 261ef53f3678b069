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
     * ban. Flat tables and local function references: each redis.call costs about 2 µs inside Redis and the
     * script's own work about as much again, on every limited request. ARGV: policy count, peek (1: write nothing, and report what is left now), then per policy algorithm (0 sliding-window, 1 gcra), dry run (0/1), ban (µs),
     * window count, and per window count, length (µs), burst. KEYS: per policy its ban key, then one per window.
     * Returns: per policy allowed, banned, retry-after (µs), then per window limit, remaining, reset (µs).
     */
    static final String SCRIPT = """
            local call, tonumber, floor, ceil, max = redis.call, tonumber, math.floor, math.ceil, math.max
            local t = call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local np, peek = tonumber(ARGV[1]), tonumber(ARGV[2])
            local a, k, o, nw_ = 3, 1, 0, 0
            local refused = false
            local out, pol, wr = {}, {}, {}
            for p = 1, np do
              local alg, dry, banFor, nw = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3])
              a = a + 4
              local banKey = KEYS[k]
              k = k + 1
              local ttl = 0
              if banFor > 0 then ttl = call('PTTL', banKey) end
              local base = o
              o = o + 3
              local allowed, retry = 1, 0
              for i = 1, nw do
                local count, w, burst = tonumber(ARGV[a]), tonumber(ARGV[a+1]), tonumber(ARGV[a+2])
                a = a + 3
                local key = KEYS[k]
                k = k + 1
                local rem, reset
                if ttl > 0 then
                  rem, reset = 0, ttl * 1000
                elseif alg == 0 then
                  local h = call('HMGET', key, 'w', 'c', 'p')
                  local win = floor(now / w)
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
                    rem, reset = max(0, floor(count - est - 1 + peek + 1e-9)), w - elapsed
                    wr[nw_+1], wr[nw_+2], wr[nw_+3], wr[nw_+4], wr[nw_+5], wr[nw_+6], wr[nw_+7] = p, key, win, cur + 1, prev, w, stored ~= win
                    nw_ = nw_ + 7
                  else
                    local wait
                    if cur <= count - 1 and prev > 0 then
                      wait = max(1, ceil(w - (count - 1 - cur) * w / prev) - elapsed)
                    else
                      local passAt = 0
                      if cur > 0 then passAt = ceil(w - (count - 1) * w / cur) end
                      wait = (w - elapsed) + max(0, passAt)
                    end
                    allowed = 0
                    retry = max(retry, wait)
                    rem, reset = 0, max(w - elapsed, wait)
                  end
                else
                  local interval = max(1, floor(w / count))
                  local tolerance = interval * (burst - 1)
                  local tat = tonumber(call('GET', key)) or now
                  if tat < now then tat = now end
                  if tat - now > tolerance then
                    allowed = 0
                    retry = max(retry, max(1, tat - tolerance - now))
                    rem, reset = 0, tat - now
                  else
                    local nxt = tat + interval
                    local left = nxt
                    if peek == 1 then left = tat end
                    rem, reset = max(0, floor((tolerance - (left - now)) / interval) + 1), nxt - now
                    wr[nw_+1], wr[nw_+2], wr[nw_+3], wr[nw_+4], wr[nw_+5], wr[nw_+6], wr[nw_+7] = p, key, nxt, false, false, false, false
                    nw_ = nw_ + 7
                  end
                end
                out[o+1], out[o+2], out[o+3] = count, rem, reset
                o = o + 3
              end
              local banned = 0
              if ttl > 0 then allowed, banned, retry = 0, 1, ttl * 1000 end
              out[base+1], out[base+2], out[base+3] = allowed, banned, retry
              if allowed == 0 and dry == 0 then refused = true end
              pol[3*p-2], pol[3*p-1], pol[3*p] = base, banKey, banFor
            end
            if peek == 0 then
              if not refused then
                for j = 1, nw_, 7 do
                  if out[pol[3*wr[j]-2]+1] == 1 then
                    if wr[j+3] then
                      call('HSET', wr[j+1], 'w', wr[j+2], 'c', wr[j+3], 'p', wr[j+4])
                      if wr[j+6] then call('PEXPIRE', wr[j+1], ceil(2 * wr[j+5] / 1000) + 1000) end
                    else
                      call('SET', wr[j+1], string.format('%d', wr[j+2]), 'PX', ceil((wr[j+2] - now) / 1000) + 1000)
                    end
                  end
                end
              end
              for p = 1, np do
                local base = pol[3*p-2]
                if out[base+1] == 0 and out[base+2] == 0 and pol[3*p] > 0 then
                  call('SET', pol[3*p-1], '1', 'PX', ceil(pol[3*p] / 1000))
                  out[base+2], out[base+3] = 1, pol[3*p]
                end
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
