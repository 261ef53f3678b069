package io.gatehouse.pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The typed key of a per-request attribute ({@link Exchange#get}, {@link Exchange#put}): state one phase or filter
 * leaves for another, such as the caller, a limiter's decision or a cache entry. Keys are constants
 * ({@code static final}) of the package that owns the value; each gets a slot number once, so a lookup is an array
 * index, not a map probe or a string comparison.
 *
 * @param <T> the type of the value
 */
public final class AttributeKey<T> {
    private static final AtomicInteger SLOTS = new AtomicInteger();

    private final String name;
    final int slot;

    private AttributeKey(String name) {
        this.name = name;
        this.slot = SLOTS.getAndIncrement();
    }

    /** A new key; {@code name} is for logs and debugging only. */
    public static <T> AttributeKey<T> of(String name) {
        return new AttributeKey<>(name);
    }

    static int slots() {
        return SLOTS.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
