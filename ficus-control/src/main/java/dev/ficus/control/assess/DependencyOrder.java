package dev.ficus.control.assess;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The onboarding order over a dependency graph: callees before their callers (a service is
 * onboarded once everything it calls is), and among those free to go, the least critical first.
 * Units that call each other (a strongly connected component) form one step. Deterministic:
 * nodes and edges are visited in id order and ties end on the smallest id.
 */
final class DependencyOrder {
    private DependencyOrder() {
    }

    /**
     * @param nodes     the units to order
     * @param calls     each unit's callees; callees outside {@code nodes} are ignored (already done)
     * @param leastCriticalFirst orders the components free to go; ties end on the first id
     * @return the components (each sorted by id) in onboarding order
     */
    static List<SortedSet<String>> order(Collection<String> nodes, Map<String, Set<String>> calls,
                                         Comparator<SortedSet<String>> leastCriticalFirst) {
        SortedSet<String> all = new TreeSet<>(nodes);
        Map<String, SortedSet<String>> edges = new HashMap<>();
        for (String n : all) {
            SortedSet<String> out = new TreeSet<>();
            for (String c : calls.getOrDefault(n, Set.of())) if (all.contains(c) && !c.equals(n)) out.add(c);
            edges.put(n, out);
        }
        List<SortedSet<String>> components = components(all, edges);
        Map<String, Integer> componentOf = new HashMap<>();
        for (int i = 0; i < components.size(); i++) for (String n : components.get(i)) componentOf.put(n, i);
        // a component waits for the components it calls; it frees the components that call it
        int[] waitingFor = new int[components.size()];
        List<Set<Integer>> freed = new ArrayList<>();
        for (int i = 0; i < components.size(); i++) freed.add(new TreeSet<>());
        for (int i = 0; i < components.size(); i++) {
            Set<Integer> callees = new TreeSet<>();
            for (String n : components.get(i)) for (String c : edges.get(n)) if (componentOf.get(c) != i) callees.add(componentOf.get(c));
            waitingFor[i] = callees.size();
            for (int c : callees) freed.get(c).add(i);
        }
        Comparator<Integer> byRank = Comparator.<Integer, SortedSet<String>>comparing(components::get, leastCriticalFirst)
                .thenComparing(i -> components.get(i).first());
        PriorityQueue<Integer> free = new PriorityQueue<>(byRank);
        for (int i = 0; i < components.size(); i++) if (waitingFor[i] == 0) free.add(i);
        List<SortedSet<String>> out = new ArrayList<>();
        while (!free.isEmpty()) {
            int i = free.poll();
            out.add(components.get(i));
            for (int caller : freed.get(i)) if (--waitingFor[caller] == 0) free.add(caller);
        }
        return out; // the condensation has no cycle: every component comes out
    }

    /** Tarjan's strongly connected components, iteratively (a long call chain must not exhaust the stack). */
    static List<SortedSet<String>> components(SortedSet<String> nodes, Map<String, SortedSet<String>> edges) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<SortedSet<String>> out = new ArrayList<>();
        int next = 0;
        record Frame(String node, Iterator<String> callees) {
        }
        for (String root : nodes) {
            if (index.containsKey(root)) continue;
            Deque<Frame> frames = new ArrayDeque<>();
            index.put(root, next);
            low.put(root, next++);
            stack.push(root);
            onStack.add(root);
            frames.push(new Frame(root, edges.get(root).iterator()));
            while (!frames.isEmpty()) {
                Frame f = frames.peek();
                if (f.callees().hasNext()) {
                    String c = f.callees().next();
                    if (!index.containsKey(c)) {
                        index.put(c, next);
                        low.put(c, next++);
                        stack.push(c);
                        onStack.add(c);
                        frames.push(new Frame(c, edges.get(c).iterator()));
                    } else if (onStack.contains(c)) {
                        low.put(f.node(), Math.min(low.get(f.node()), index.get(c)));
                    }
                    continue;
                }
                frames.pop();
                if (!frames.isEmpty()) {
                    String parent = frames.peek().node();
                    low.put(parent, Math.min(low.get(parent), low.get(f.node())));
                }
                if (low.get(f.node()).equals(index.get(f.node()))) {
                    SortedSet<String> component = new TreeSet<>();
                    String n;
                    do {
                        n = stack.pop();
                        onStack.remove(n);
                        component.add(n);
                    } while (!n.equals(f.node()));
                    out.add(component);
                }
            }
        }
        return out;
    }
}
