package io.gatehouse.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One key's counters in the local store: an immutable array swapped by compare-and-set, so concurrent requests of
 * one key never take a lock and never lose a count (a lost race is decided again on the new state).
 */
final class KeyState {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(KeyState.class, "state", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through STATE
    private volatile long[] state;

    long[] get() {
        return state;
    }

    boolean swap(long[] expected, long[] next) {
        return STATE.compareAndSet(this, expected, next);
    }
}
