package io.gatehouse.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps retries at a share of live traffic, so that retries cannot multiply an outage: every first attempt
 * deposits {@code ratio} of a token, every retry withdraws a whole one. A small reserve lets a quiet upstream
 * retry at all. Tokens are counted in thousandths in one atomic: lock-free from every event loop.
 */
public final class RetryBudget {
    static final long UNIT = 1000;

    private final long deposit;
    private final long cap;
    private final AtomicLong balance;

    /**
     * @param ratio   retries allowed per request (0.2: one retry per five requests)
     * @param reserve tokens available from the start, and the most that can be saved up beyond recent traffic
     */
    public RetryBudget(double ratio, int reserve) {
        this.deposit = Math.round(ratio * UNIT);
        this.cap = Math.max(reserve, 1) * UNIT * 10;
        this.balance = new AtomicLong(reserve * UNIT);
    }

    /** A first attempt: adds to the budget. */
    public void request() {
        long now = balance.addAndGet(deposit);
        if (now > cap) {
            balance.addAndGet(-deposit); // saved up enough: a burst of failures later cannot retry without limit
        }
    }

    /** @return whether a retry may go ahead (and spends its token) */
    public boolean tryRetry() {
        while (true) {
            long now = balance.get();
            if (now < UNIT) {
                return false;
            }
            if (balance.compareAndSet(now, now - UNIT)) {
                return true;
            }
        }
    }
}
