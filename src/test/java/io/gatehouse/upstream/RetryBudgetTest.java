package io.gatehouse.upstream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryBudgetTest {

    private static int retriesAllowed(RetryBudget budget, int attempts) {
        int n = 0;
        for (int i = 0; i < attempts; i++) {
            if (budget.tryRetry()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aQuietUpstreamHasItsReserve() {
        RetryBudget budget = new RetryBudget(0.2, 10);
        assertEquals(10, retriesAllowed(budget, 50));
        assertFalse(budget.tryRetry());
    }

    @Test
    void retriesAreCappedAtTheShareOfTraffic() {
        RetryBudget budget = new RetryBudget(0.2, 10);
        retriesAllowed(budget, 10); // spend the reserve
        int allowed = 0;
        for (int i = 0; i < 1000; i++) {
            budget.request();
            allowed += retriesAllowed(budget, 5); // every request fails and asks for five retries
        }
        // 1,000 requests earn 200 retries, no more, however many failures ask for one
        assertEquals(200, allowed);
    }

    @Test
    void savingsAreCappedSoALongCalmCannotFundAStorm() {
        RetryBudget budget = new RetryBudget(0.2, 10);
        for (int i = 0; i < 1_000_000; i++) {
            budget.request();
        }
        int allowed = retriesAllowed(budget, 1_000_000);
        assertTrue(allowed <= 100, "saved up " + allowed);
    }
}
