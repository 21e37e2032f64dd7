package io.kaji.support.logs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Drain's fixed-depth prefix tree: the first level is keyed by token count, the next {@code depth}
 * levels by the leading tokens, and the leaves hold the candidate {@link Shape}s. A node has at most
 * {@code maxChildren} children; a token that finds no room (and every fully masked token) goes to the
 * wildcard child. Not thread-safe: owned by one {@link LogMiner}.
 */
final class PrefixTree {

    static final class Node {
        final HashMap<String, Node> children = new HashMap<>(4);
        final ArrayList<Shape> shapes = new ArrayList<>(2);
    }

    private final int depth;
    private final int maxChildren;
    private final HashMap<Integer, Node> byLength = new HashMap<>();

    PrefixTree(int depth, int maxChildren) {
        this.depth = depth;
        this.maxChildren = maxChildren;
    }

    /** The leaf a message of these masked tokens would be compared in, or null when none exists yet. */
    Node find(String[] tokens, int length) {
        Node node = byLength.get(length);
        int levels = Math.min(depth, length);
        for (int level = 0; node != null && level < levels; level++) {
            Node child = node.children.get(tokens[level]);
            node = child != null ? child : node.children.get(Masker.WILDCARD);
        }
        return node;
    }

    /** The routing keys under which a new shape made of these tokens is stored. */
    String[] routeFor(String[] tokens, int length) {
        int levels = Math.min(depth, length);
        String[] route = new String[levels];
        Node node = byLength.get(length);
        for (int level = 0; level < levels; level++) {
            String key = tokens[level];
            Node child = node == null ? null : node.children.get(key);
            if (child == null && node != null && !key.equals(Masker.WILDCARD)
                    && node.children.size() >= maxChildren - 1) {
                key = Masker.WILDCARD; // the node is full: the last slot is the wildcard child
            }
            route[level] = key;
            node = node == null ? null : node.children.get(key);
        }
        return route;
    }

    /** Stores a shape at its route, creating nodes as needed. */
    void insert(Shape shape) {
        Node node = byLength.computeIfAbsent(shape.tokens.length, k -> new Node());
        for (String key : shape.route) {
            node = node.children.computeIfAbsent(key, k -> new Node());
        }
        node.shapes.add(shape);
    }

    /** Removes a shape, and the nodes left empty on its route. */
    void remove(Shape shape) {
        Node top = byLength.get(shape.tokens.length);
        if (top != null && remove(top, shape, 0)) {
            byLength.remove(shape.tokens.length);
        }
    }

    /** Returns true when {@code node} is empty after the removal. */
    private boolean remove(Node node, Shape shape, int level) {
        if (level == shape.route.length) {
            node.shapes.remove(shape);
        } else {
            Node child = node.children.get(shape.route[level]);
            if (child != null && remove(child, shape, level + 1)) {
                node.children.remove(shape.route[level]);
            }
        }
        return node.shapes.isEmpty() && node.children.isEmpty();
    }

    /** Every node count, for tests of the memory bound. */
    int nodeCount() {
        int count = 0;
        List<Node> stack = new ArrayList<>(byLength.values());
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1);
            count++;
            stack.addAll(n.children.values());
        }
        return count;
    }
}
