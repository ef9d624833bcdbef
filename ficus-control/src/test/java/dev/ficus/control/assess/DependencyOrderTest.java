package dev.ficus.control.assess;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Callees first, cycles as one step, ties by the comparator then the name; long chains do not exhaust the stack. */
class DependencyOrderTest {
    static final Comparator<SortedSet<String>> NO_PREFERENCE = Comparator.comparingInt(c -> 0);

    static String n(int i) {
        return String.format("n%05d", i);
    }

    @Test
    void aLongChainComesOutCalleesFirst() {
        Map<String, Set<String>> calls = new HashMap<>();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            nodes.add(n(i));
            if (i + 1 < 20_000) calls.put(n(i), Set.of(n(i + 1)));
        }
        List<SortedSet<String>> order = DependencyOrder.order(nodes, calls, NO_PREFERENCE);
        assertThat(order).hasSize(20_000);
        assertThat(order.getFirst()).containsExactly(n(19_999));
        assertThat(order.getLast()).containsExactly(n(0));
    }

    @Test
    void aLongCycleIsOneComponentAndItsCallerComesAfter() {
        Map<String, Set<String>> calls = new HashMap<>();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            nodes.add(n(i));
            calls.put(n(i), Set.of(n((i + 1) % 10_000)));
        }
        nodes.add("caller");
        calls.put("caller", Set.of(n(42)));
        nodes.add("alone");
        List<SortedSet<String>> order = DependencyOrder.order(nodes, calls, NO_PREFERENCE);
        assertThat(order).hasSize(3);
        assertThat(order.get(0)).containsExactly("alone"); // ties end on the first name: "alone" < "n00000"
        assertThat(order.get(1)).hasSize(10_000);
        assertThat(order.get(2)).containsExactly("caller");
    }

    @Test
    void calleesOutsideTheNodesAreDoneAlreadyAndTheComparatorPicksAmongTheFree() {
        Map<String, Set<String>> calls = Map.of("a", Set.of("meshed"), "b", Set.of("c"), "c", Set.of(), "d", Set.of("d"));
        Map<String, Integer> weight = Map.of("a", 3, "b", 0, "c", 2, "d", 1);
        Comparator<SortedSet<String>> light = Comparator.comparingInt(s -> weight.get(s.first()));
        // d (1) before c (2) before a (3); c frees b (0), which then goes before a
        assertThat(DependencyOrder.order(List.of("a", "b", "c", "d"), calls, light)).extracting(List::copyOf)
                .containsExactly(List.of("d"), List.of("c"), List.of("b"), List.of("a"));
    }
}
