package io.kaji.support.logs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An online log template miner in the Drain family.
 *
 * <p>Each message is tokenized and masked ({@link Masker}), routed down a fixed-depth prefix tree by its
 * token count and leading tokens, and compared with the templates in the leaf it reaches; it joins the
 * most similar template when the share of the template's constant positions that it reproduces reaches
 * {@link MinerConfig#similarityThreshold()} (the template then generalises the differing positions, to
 * {@code <*>} or to a token that keeps a common key such as {@code user=<*>}), and starts a new cluster
 * otherwise.
 * With {@link MinerConfig#mergeVariableLength()}, clusters whose templates are equal once runs of
 * wildcards are collapsed become one cluster (the younger id then resolves to the older, see
 * {@link #resolve(long)}). At most {@link MinerConfig#maxClusters()} clusters are kept; the least recently
 * matched one is evicted first. The state can be saved and restored ({@link MinerStateCodec}).
 *
 * <p>Thread-safe: every public method holds the miner's lock (except {@link #parameters}, which reads no
 * miner state), so one miner can be fed from several threads (throughput is that of one thread).
 */
public final class LogMiner {

    private static final int MAX_ALIASES_FACTOR = 4;

    private final MinerConfig config;
    private final Masker masker;
    private final PrefixTree tree;
    /** Clusters in least-recently-used order. */
    private final LinkedHashMap<Long, Group> groups = new LinkedHashMap<>(256, 0.75f, true);
    /** The same clusters by id, for look-ups that must not count as a use. */
    private final HashMap<Long, Group> byId = new HashMap<>(256);
    /** Collapsed template text to the cluster holding it (only with mergeVariableLength). */
    private final HashMap<String, Group> byCollapsedText = new HashMap<>();
    /** Ids of clusters merged into others: old id to the id that absorbed it (bounded). */
    private final LinkedHashMap<Long, Long> aliases;
    private final ArrayList<String> scratch = new ArrayList<>(32);
    private long nextId = 1;

    /** A miner with the given configuration and no clusters. */
    public LogMiner(MinerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.masker = new Masker(config.maskRules());
        this.tree = new PrefixTree(config.prefixDepth(), config.maxChildren());
        int maxAliases = (int) Math.min(Integer.MAX_VALUE / 2, (long) config.maxClusters() * MAX_ALIASES_FACTOR);
        this.aliases = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
                return size() > maxAliases;
            }
        };
    }

    /** A miner with {@link MinerConfig#defaults()}. */
    public LogMiner() {
        this(MinerConfig.defaults());
    }

    /** The configuration. */
    public MinerConfig config() {
        return config;
    }

    /** The masker this miner tokenizes with. */
    public Masker masker() {
        return masker;
    }

    /** Adds one message (its content, without header) and returns the cluster it joined. */
    public synchronized Match add(String message) {
        masker.split(message, null, scratch);
        String[] tokens = scratch.toArray(new String[0]);
        int length = tokens.length;
        PrefixTree.Node leaf = tree.find(tokens, length);
        Shape best = leaf == null ? null : bestMatch(leaf, tokens);
        if (best == null) {
            Group group = new Group(nextId++);
            Shape shape = new Shape(tree.routeFor(tokens, length), tokens, group);
            group.shapes.add(shape);
            group.size = 1;
            tree.insert(shape);
            groups.put(group.id, group);
            byId.put(group.id, group);
            group.text = String.join(" ", config.mergeVariableLength() ? collapse(tokens) : tokens);
            Group merged = indexAndMerge(group, shape);
            evictIfNeeded();
            if (merged != group) {
                return new Match(merged.id, merged.text, merged.size, Match.Change.GENERALIZED);
            }
            return new Match(group.id, group.text, group.size, Match.Change.CREATED);
        }
        Group group = best.group;
        group.size++;
        groups.get(group.id); // LRU touch
        boolean changed = false;
        String[] template = best.tokens;
        for (int i = 0; i < length; i++) {
            String t = template[i];
            if (!t.equals(tokens[i]) && !t.equals(Masker.WILDCARD)
                    && !(t.contains(Masker.WILDCARD) && TokenGeneralizer.covers(t, tokens[i]))) {
                template[i] = TokenGeneralizer.generalize(t, tokens[i]);
                changed = true;
            }
        }
        if (!changed) {
            return new Match(group.id, group.text, group.size, Match.Change.MATCHED);
        }
        refreshText(group);
        Group merged = indexAndMerge(group, best);
        return new Match(merged.id, merged.text, merged.size, Match.Change.GENERALIZED);
    }

    /**
     * The cluster a message would join, without changing anything (no new cluster, no generalisation, no
     * LRU touch); null when no template is similar enough.
     */
    public synchronized Template match(String message) {
        masker.split(message, null, scratch);
        String[] tokens = scratch.toArray(new String[0]);
        PrefixTree.Node leaf = tree.find(tokens, tokens.length);
        Shape best = leaf == null ? null : bestMatch(leaf, tokens);
        return best == null ? null : best.group.snapshot();
    }

    /**
     * The most similar shape in the leaf, or null when none reaches the threshold. Similarity is the
     * share of the template's constant positions that the message reproduces: positions where the
     * template is a wildcard accept anything and are not counted, positions where both hold the same
     * partially masked token ({@code uid=<*>}) are not counted either, every other position counts and
     * matches when the tokens are equal. Ties go to the template with more wildcards.
     */
    private Shape bestMatch(PrefixTree.Node leaf, String[] tokens) {
        Shape best = null;
        double bestSim = -1;
        int bestWildcards = -1;
        int length = tokens.length;
        double threshold = config.similarityThreshold();
        for (Shape shape : leaf.shapes) {
            String[] template = shape.tokens;
            int equal = 0;
            int counted = 0;
            int wildcards = 0;
            for (int i = 0; i < length; i++) {
                String t = template[i];
                if (t.equals(Masker.WILDCARD)) {
                    wildcards++;
                } else if (t.equals(tokens[i])) {
                    if (!hasWildcard(t)) {
                        equal++;
                        counted++;
                    }
                } else if (!(hasWildcard(t) && TokenGeneralizer.covers(t, tokens[i]))) {
                    counted++;
                }
            }
            double sim = counted > 0 ? (double) equal / counted : wildcardShare(tokens);
            if (sim >= threshold - 1e-9 && (sim > bestSim || (sim == bestSim && wildcards > bestWildcards))) {
                best = shape;
                bestSim = sim;
                bestWildcards = wildcards;
            }
        }
        return best;
    }

    private static boolean hasWildcard(String token) {
        return token.indexOf('<') >= 0 && token.contains(Masker.WILDCARD);
    }

    /** For a template of wildcards only: the share of the message's tokens that are masked too. */
    private static double wildcardShare(String[] tokens) {
        if (tokens.length == 0) {
            return 1.0;
        }
        int masked = 0;
        for (String t : tokens) {
            if (t.contains(Masker.WILDCARD)) {
                masked++;
            }
        }
        return (double) masked / tokens.length;
    }

    /** Recomputes a cluster's text from its shapes. */
    private void refreshText(Group group) {
        if (!config.mergeVariableLength()) {
            group.text = String.join(" ", group.shapes.get(0).tokens);
            return;
        }
        String[] text = collapse(group.shapes.get(0).tokens);
        for (int s = 1; s < group.shapes.size(); s++) {
            String[] other = collapse(group.shapes.get(s).tokens);
            if (other.length == text.length) {
                for (int i = 0; i < text.length; i++) {
                    if (!text[i].equals(other[i])) {
                        text[i] = Masker.WILDCARD;
                    }
                }
            }
        }
        group.text = String.join(" ", text);
    }

    /** Records the shape's collapsed text and merges its cluster with another holding the same; returns the survivor. */
    private Group indexAndMerge(Group group, Shape shape) {
        if (!config.mergeVariableLength()) {
            return group;
        }
        String[] collapsed = collapse(shape.tokens);
        if (!specificEnough(collapsed)) {
            return group;
        }
        String key = String.join(" ", collapsed);
        Group other = byCollapsedText.get(key);
        if (other == null || !groups.containsKey(other.id)) {
            byCollapsedText.put(key, group);
            group.keys.add(key);
            return group;
        }
        if (other == group) {
            return group;
        }
        Group keep = other.id < group.id ? other : group;
        Group gone = keep == other ? group : other;
        for (Shape s : gone.shapes) {
            s.group = keep;
            keep.shapes.add(s);
        }
        keep.size += gone.size;
        groups.remove(gone.id);
        byId.remove(gone.id);
        aliases.put(gone.id, keep.id);
        for (String k : gone.keys) {
            if (byCollapsedText.replace(k, gone, keep)) {
                keep.keys.add(k);
            }
        }
        gone.keys.clear();
        refreshText(keep);
        groups.get(keep.id);
        return keep;
    }

    /** Whether a collapsed template has more constant tokens than wildcard tokens, so that it may merge. */
    private static boolean specificEnough(String[] collapsed) {
        int constants = 0;
        int wildcards = 0;
        for (String t : collapsed) {
            if (t.equals(Masker.WILDCARD)) {
                wildcards++;
            } else if (!t.contains(Masker.WILDCARD)) {
                constants++;
            }
        }
        return constants > wildcards;
    }

    /** Replaces every run of consecutive whole-wildcard tokens with one wildcard. */
    static String[] collapse(String[] tokens) {
        int count = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (!(tokens[i].equals(Masker.WILDCARD) && i > 0 && tokens[i - 1].equals(Masker.WILDCARD))) {
                count++;
            }
        }
        if (count == tokens.length) {
            return tokens.clone();
        }
        String[] out = new String[count];
        int j = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (!(tokens[i].equals(Masker.WILDCARD) && i > 0 && tokens[i - 1].equals(Masker.WILDCARD))) {
                out[j++] = tokens[i];
            }
        }
        return out;
    }

    private void evictIfNeeded() {
        while (groups.size() > config.maxClusters()) {
            Iterator<Group> eldest = groups.values().iterator();
            Group gone = eldest.next();
            eldest.remove();
            byId.remove(gone.id);
            for (Shape s : gone.shapes) {
                tree.remove(s);
            }
            for (String k : gone.keys) {
                byCollapsedText.remove(k, gone);
            }
        }
    }

    /**
     * The current id of a cluster: a cluster merged into another resolves to the survivor (the answer is
     * the id itself for a live or unknown cluster). Ids given by earlier {@link Match}es stay resolvable
     * for at least {@code 4 * maxClusters} merges.
     */
    public synchronized long resolve(long clusterId) {
        long id = clusterId;
        Long next;
        int guard = 0;
        while ((next = aliases.get(id)) != null && guard++ < 64) {
            id = next;
        }
        return id;
    }

    /**
     * The cluster with this id (after {@link #resolve(long)}), or null when evicted or unknown. A look-up
     * does not count as a use for the LRU order.
     */
    public synchronized Template template(long clusterId) {
        Group group = byId.get(resolve(clusterId));
        return group == null ? null : group.snapshot();
    }

    /** Every cluster, largest first (ties by id). */
    public synchronized List<Template> templates() {
        List<Template> out = new ArrayList<>(groups.size());
        for (Group g : groups.values()) {
            out.add(g.snapshot());
        }
        out.sort(Comparator.comparingLong(Template::size).reversed().thenComparingLong(Template::id));
        return out;
    }

    /** The number of clusters kept. */
    public synchronized int clusterCount() {
        return groups.size();
    }

    /** The number of prefix-tree nodes, to observe the memory bound. */
    synchronized int treeNodeCount() {
        return tree.nodeCount();
    }

    /**
     * The parameters of a message under a template: the original text at each wildcard, in order, or an
     * empty list when the message does not fit the template. A standalone wildcard token may stand for
     * several tokens (variable-length parameters), which are then returned joined by single spaces.
     */
    public List<String> parameters(String template, String message) {
        return ParameterExtractor.extract(template, masker.tokenize(message).original());
    }

    // ---- state, for MinerStateCodec ----

    synchronized MinerState exportState() {
        List<MinerState.ClusterState> clusters = new ArrayList<>(groups.size());
        for (Group g : groups.values()) { // LRU order, least recent first
            List<MinerState.ShapeState> shapes = new ArrayList<>(g.shapes.size());
            for (Shape s : g.shapes) {
                shapes.add(new MinerState.ShapeState(Arrays.asList(s.route), Arrays.asList(s.tokens)));
            }
            clusters.add(new MinerState.ClusterState(g.id, g.size, shapes, g.keys));
        }
        return new MinerState(MinerState.FORMAT_VERSION, config, nextId, clusters, new LinkedHashMap<>(aliases));
    }

    static LogMiner fromState(MinerState state) {
        if (state.formatVersion() != MinerState.FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported miner state format " + state.formatVersion()
                    + " (this Kaji reads format " + MinerState.FORMAT_VERSION + ")");
        }
        LogMiner miner = new LogMiner(state.config());
        for (MinerState.ClusterState c : state.clusters()) {
            Group g = new Group(c.id());
            g.size = c.size();
            for (MinerState.ShapeState s : c.shapes()) {
                Shape shape = new Shape(s.route().toArray(new String[0]), s.tokens().toArray(new String[0]), g);
                if (shape.route.length != Math.min(state.config().prefixDepth(), shape.tokens.length)) {
                    throw new IllegalArgumentException("cluster " + c.id() + " has a route of "
                            + shape.route.length + " keys for a tree of depth " + state.config().prefixDepth());
                }
                g.shapes.add(shape);
                miner.tree.insert(shape);
            }
            if (g.shapes.isEmpty()) {
                throw new IllegalArgumentException("cluster " + c.id() + " has no template");
            }
            miner.groups.put(g.id, g);
            miner.byId.put(g.id, g);
            miner.refreshText(g);
            for (String key : c.mergeKeys()) {
                if (miner.byCollapsedText.putIfAbsent(key, g) == null) {
                    g.keys.add(key);
                }
            }
        }
        miner.aliases.putAll(state.aliases());
        miner.nextId = state.nextId();
        miner.evictIfNeeded();
        return miner;
    }
}
