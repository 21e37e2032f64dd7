package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.selector.FieldSelector;
import io.kaji.apiserver.selector.LabelSelector;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import io.kaji.apiserver.table.TableConverter;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.ResourceCache;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import io.kaji.apiserver.watchcache.Watcher;
import io.kaji.store.CompactedException;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.node.ObjectNode;

/**
 * LIST and WATCH from the watch cache: selectors, limit/continue, resourceVersion semantics, Table rendering, and
 * chunked watch streams with bookmarks, timeouts and 410 Expired.
 */
final class Lists {

    /** How long a consistent read waits for the cache to catch up with the store. */
    private static final Duration FRESHNESS_WAIT = Duration.ofSeconds(3);

    private final WatchCache cache;
    private final ObjectStorage storage;
    private final TableConverter tables;
    private final ScheduledExecutorService timer;

    Lists(WatchCache cache, ObjectStorage storage, TableConverter tables, ScheduledExecutorService timer) {
        this.cache = cache;
        this.storage = storage;
        this.tables = tables;
        this.timer = timer;
    }

    private static WatchFilter filter(ResourceDefinition def, String ns, ApiRequest req) {
        return new WatchFilter(ns, LabelSelector.parse(req.param("labelSelector")),
                FieldSelector.parse(req.param("fieldSelector"), def.fieldSelectors()));
    }

    /** Every object matching the request's namespace and selectors, fresh. */
    List<ObjectNode> matching(ResourceDefinition def, String ns, ApiRequest req) {
        cache.awaitFresh(FRESHNESS_WAIT);
        List<ObjectNode> out = new ArrayList<>();
        for (CachedObject o : cache.cache(def).list(filter(def, ns, req), null).items()) {
            out.add(o.object());
        }
        return out;
    }

    ApiResponse list(ResourceDefinition def, String ns, ApiRequest req) {
        ListOptions options = ListOptions.of(req, false);
        WatchFilter filter = filter(def, ns, req);
        long limit = Requests.longParam(req, "limit", 0);
        String continueParam = req.param("continue");
        ResourceCache rc = cache.cache(def);
        List<CachedObject> items;
        long revision;
        String next = null;
        if (continueParam != null && !continueParam.isEmpty()) {
            Continue token = Continue.decode(continueParam);
            Page page = token.revision() == rc.revision()
                    ? fromCache(rc, filter, token.revision(), token.startAfter(), limit)
                    : fromStore(def, filter, token.revision(), token.startAfter(), limit, CONTINUE_TOO_OLD);
            items = page.items();
            revision = token.revision();
            next = page.next();
        } else if (options.exact()) {
            // The list as it was at that revision: the cache when it is there, else the store's history.
            long exact = parseRv(options.resourceVersion());
            long current = storage.store().currentRevision();
            if (exact > current) {
                throw ApiException.timeout("Too large resource version: " + exact + ", current: " + current);
            }
            Page page = exact == rc.revision() ? fromCache(rc, filter, exact, null, limit)
                    : fromStore(def, filter, exact, null, limit, EXACT_TOO_OLD);
            items = page.items();
            revision = exact;
            next = page.next();
        } else {
            String rv = options.resourceVersion();
            if (rv == null || rv.isEmpty()) {
                cache.awaitFresh(FRESHNESS_WAIT);
            } else if (!rv.equals("0")) {
                cache.awaitRevision(parseRv(rv), FRESHNESS_WAIT);
            }
            Page page = fromCache(rc, filter, -1, null, limit);
            items = page.items();
            revision = page.revision();
            next = page.next();
        }
        String accept = req.header("Accept");
        if (MediaTypes.wantsTable(accept)) {
            return new ApiResponse(200, MediaTypes.JSON, tables.tableBytes(def.columns(), items,
                    Long.toString(revision), next, TableConverter.IncludeObject.parse(req.param("includeObject")),
                    MediaTypes.tableVersion(accept)), List.of());
        }
        String partial = MediaTypes.partialObjectMetadataListVersion(accept);
        if (partial != null) {
            return new ApiResponse(200, MediaTypes.JSON, PartialMetadata.list(items, revision, next, partial),
                    List.of());
        }
        return new ApiResponse(200, MediaTypes.JSON, listBytes(def, items, revision, next), List.of());
    }

    private record Page(List<CachedObject> items, long revision, String next) {
    }

    private static Page fromCache(ResourceCache rc, WatchFilter filter, long expectRevision, String startAfter,
            long limit) {
        ResourceCache.Snapshot snap = rc.list(filter, startAfter);
        List<CachedObject> items = snap.items();
        String next = null;
        if (limit > 0 && items.size() > limit) {
            items = items.subList(0, (int) limit);
            next = new Continue(snap.revision(), items.get(items.size() - 1).key()).encode();
        }
        return new Page(items, snap.revision(), next);
    }

    private static final String CONTINUE_TOO_OLD = "The provided continue parameter is too old to display a "
            + "consistent list result. You can start a new list without the continue parameter, or use the continue "
            + "token in this response to retrieve the remainder of the results.";
    private static final String EXACT_TOO_OLD = "The resourceVersion for the provided list is too old.";

    /**
     * A list at an older revision than the cache's (a continued list, or {@code resourceVersionMatch=Exact}): read
     * the store at that revision; 410 Expired with {@code tooOld} once the store has compacted it away.
     */
    private Page fromStore(ResourceDefinition def, WatchFilter filter, long revision, String startAfter, long limit,
            String tooOld) {
        List<CachedObject> items = new ArrayList<>();
        String after = startAfter;
        String prefix = def.keyPrefix(filter.namespace());
        try {
            while (true) {
                RangeRequest rr = RangeRequest.prefix(prefix).atRevision(revision).withLimit(500);
                if (after != null && after.startsWith(prefix)) {
                    rr = rr.withStartAfter(after);
                }
                RangeResult page = storage.store().range(rr);
                for (KeyValue kv : page.kvs()) {
                    CachedObject o = new CachedObject(kv.key(), ObjectStorage.decode(def, kv, kv.modRevision()),
                            kv.modRevision());
                    after = kv.key();
                    if (filter.matches(o)) {
                        items.add(o);
                        if (limit > 0 && items.size() == limit) {
                            return new Page(items, revision, new Continue(revision, after).encode());
                        }
                    }
                }
                if (!page.more() || page.kvs().isEmpty()) {
                    return new Page(items, revision, null);
                }
            }
        } catch (CompactedException e) {
            throw ApiException.expired(tooOld);
        }
    }

    /** The list's JSON, copied once into an array of its exact size from each item's cached JSON. */
    private static byte[] listBytes(ResourceDefinition def, List<CachedObject> items, long revision, String next) {
        String headText = "{\"kind\":\"" + def.listKind() + "\",\"apiVersion\":\"" + def.apiVersion()
                + "\",\"metadata\":{\"resourceVersion\":\"" + revision + "\""
                + (next == null ? "" : ",\"continue\":\"" + next + "\"") + "},\"items\":[";
        byte[] head = headText.getBytes(StandardCharsets.UTF_8);
        byte[][] jsons = new byte[items.size()][];
        long size = head.length + 2L + Math.max(0, items.size() - 1);
        for (int i = 0; i < jsons.length; i++) {
            jsons[i] = items.get(i).json();
            size += jsons[i].length;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw ApiException.internal("the list is too large to send in one response (" + size + " bytes); "
                    + "use limit and continue");
        }
        byte[] out = new byte[(int) size];
        System.arraycopy(head, 0, out, 0, head.length);
        int p = head.length;
        for (int i = 0; i < jsons.length; i++) {
            if (i > 0) {
                out[p++] = ',';
            }
            System.arraycopy(jsons[i], 0, out, p, jsons[i].length);
            p += jsons[i].length;
        }
        out[p++] = ']';
        out[p] = '}';
        return out;
    }

    private static long parseRv(String rv) {
        try {
            long v = Long.parseLong(rv);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version \"" + rv + "\"");
        }
    }

    /** Streams watch events until the client leaves, the timeout passes, or the server stops. */
    void watch(ResourceDefinition def, String ns, ApiRequest req, Exchange ex) {
        ListOptions options = ListOptions.of(req, true);
        WatchFilter filter = filter(def, ns, req);
        String rv = options.resourceVersion();
        boolean latest = rv == null || rv.isEmpty();
        boolean bookmarks = req.flag("allowWatchBookmarks");
        long from;
        boolean initialEventsEnd = false;
        if (options.sendInitialEvents() == null) {
            // The classic watch: from the given revision, or the current objects as ADDED events first.
            from = latest || rv.equals("0") ? -1 : parseRv(rv);
            if (from > 0) {
                cache.awaitRevision(from, FRESHNESS_WAIT);
            }
        } else {
            // The watch-list protocol: the objects at least as new as resourceVersion (as new as the store when
            // it is empty), then a bookmark that says so; or, without initial events, the changes from there.
            if (latest) {
                cache.awaitFresh(FRESHNESS_WAIT);
            } else if (!rv.equals("0")) {
                cache.awaitRevision(parseRv(rv), FRESHNESS_WAIT);
            }
            if (options.sendInitialEvents()) {
                from = -1;
                initialEventsEnd = bookmarks;
            } else {
                from = latest || rv.equals("0") ? cache.cache(def).revision() : parseRv(rv);
            }
        }
        String accept = req.header("Accept");
        String tableVersion = MediaTypes.tableVersion(accept);
        String partialVersion = tableVersion == null ? MediaTypes.partialObjectMetadataVersion(accept) : null;
        TableConverter.IncludeObject include = TableConverter.IncludeObject.parse(req.param("includeObject"));
        long timeoutSeconds = Requests.longParam(req, "timeoutSeconds",
                1800 + ThreadLocalRandom.current().nextLong(1800));
        ResponseStream stream = ex.startStream(MediaTypes.JSON, List.of());
        StreamWatcher watcher = new StreamWatcher(def, stream, tableVersion, partialVersion, include);
        ResourceCache.Registration reg;
        try {
            reg = cache.cache(def).watch(filter, from, bookmarks, initialEventsEnd, watcher);
        } catch (ApiException e) {
            stream.write(errorLine(e));
            stream.end();
            return;
        }
        ScheduledFuture<?> timeout = timer.schedule(stream::end, Math.max(1, timeoutSeconds), TimeUnit.SECONDS);
        stream.onClose(() -> {
            reg.close();
            timeout.cancel(false);
        });
    }

    private static byte[] errorLine(ApiException e) {
        ObjectNode ev = Json.object();
        ev.put("type", "ERROR");
        ev.set("object", e.toStatus());
        return (Json.string(ev) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes events to a chunked response, as JSON lines or one-row Tables. */
    private final class StreamWatcher implements Watcher {
        private final ResourceDefinition def;
        private final ResponseStream stream;
        private final String tableVersion;
        private final String partialVersion;
        private final TableConverter.IncludeObject include;
        private final AtomicBoolean sentDefinitions = new AtomicBoolean();

        StreamWatcher(ResourceDefinition def, ResponseStream stream, String tableVersion, String partialVersion,
                TableConverter.IncludeObject include) {
            this.def = def;
            this.stream = stream;
            this.tableVersion = tableVersion;
            this.partialVersion = partialVersion;
            this.include = include;
        }

        @Override
        public boolean onEvent(String type, CachedObject object, byte[] sharedLine) {
            if (tableVersion != null) {
                ObjectNode table = tables.table(def.columns(), List.of(object.object()),
                        Long.toString(object.revision()), null, include, tableVersion,
                        sentDefinitions.compareAndSet(false, true));
                ObjectNode ev = Json.object();
                ev.put("type", type);
                ev.set("object", table);
                return stream.write((Json.string(ev) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (partialVersion != null) {
                return stream.write(PartialMetadata.eventLine(type, object, partialVersion));
            }
            return stream.write(sharedLine != null ? sharedLine : object.eventLine(type));
        }

        @Override
        public boolean onBookmark(long revision) {
            return stream.write(bookmark(revision, ""));
        }

        @Override
        public boolean onInitialEventsEnd(long revision) {
            return stream.write(bookmark(revision, ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}"));
        }

        /** A bookmark of the watched kind, or a PartialObjectMetadata one for a metadata-only watch. */
        private byte[] bookmark(long revision, String moreMetadata) {
            String kind = partialVersion != null ? "PartialObjectMetadata" : def.kind();
            String apiVersion = partialVersion != null ? "meta.k8s.io/" + partialVersion : def.apiVersion();
            String line = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"" + kind + "\",\"apiVersion\":\""
                    + apiVersion + "\",\"metadata\":{\"resourceVersion\":\"" + revision
                    + "\",\"creationTimestamp\":null" + moreMetadata + "}}}\n";
            return line.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void onTerminated(String reason) {
            stream.write(errorLine(ApiException.expired("watch ended: " + reason)));
            stream.end();
        }
    }

    /** The continue token: the list's revision and the last key returned, base64url-encoded JSON. */
    record Continue(long revision, String startAfter) {
        String encode() {
            ObjectNode o = Json.object();
            o.put("rv", revision);
            o.put("start", startAfter);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(o));
        }

        static Continue decode(String token) {
            try {
                ObjectNode o = Json.parseTrusted(Base64.getUrlDecoder().decode(token));
                return new Continue(o.get("rv").asLong(), o.get("start").asString());
            } catch (RuntimeException e) {
                throw ApiException.badRequest("invalid continue token: " + e.getMessage());
            }
        }
    }
}
