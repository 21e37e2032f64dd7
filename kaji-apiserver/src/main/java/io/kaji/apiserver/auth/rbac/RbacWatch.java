package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.ResourceCache;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import io.kaji.apiserver.watchcache.Watcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link RbacIndex} equal to the API server's watch cache of Roles, ClusterRoles and their bindings: one
 * watch per kind, replaying the current objects first, then every change; when the cache reloads (its store watch
 * was lost) the kind is read again from scratch. So the authorizer answers from memory, never from the store.
 */
public final class RbacWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RbacWatch.class);

    private final RbacIndex index;
    private final WatchCache cache;
    private final ResourceRegistry registry;
    private final ScheduledExecutorService timer;
    private final Consumer<RbacIndex.Kind> onChange;
    private final List<ResourceCache.Registration> registrations = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param onChange called (on the cache's dispatch thread; must not block) after each change of a kind
     */
    public RbacWatch(RbacIndex index, WatchCache cache, ResourceRegistry registry, ScheduledExecutorService timer,
            Consumer<RbacIndex.Kind> onChange) {
        this.index = index;
        this.cache = cache;
        this.registry = registry;
        this.timer = timer;
        this.onChange = onChange;
    }

    /** Starts the four watches; the index is complete when this returns. */
    public synchronized void start() {
        for (RbacIndex.Kind kind : RbacIndex.Kind.values()) {
            attach(kind);
        }
    }

    private synchronized void attach(RbacIndex.Kind kind) {
        if (closed) {
            return;
        }
        ResourceDefinition def = registry.find("rbac.authorization.k8s.io", "v1", kind.plural()).orElseThrow();
        index.clear(kind);
        registrations.add(cache.cache(def).watch(WatchFilter.EVERYTHING, -1, false, new Watcher() {
            @Override
            public boolean onEvent(String type, CachedObject object, byte[] sharedLine) {
                if (type.equals("DELETED")) {
                    index.remove(kind, object.object());
                } else {
                    index.put(kind, object.object());
                }
                onChange.accept(kind);
                return !closed;
            }

            @Override
            public boolean onBookmark(long revision) {
                return !closed;
            }

            @Override
            public void onTerminated(String reason) {
                LOG.info("RBAC {} watch ended ({}); reloading", kind.plural(), reason);
                timer.schedule(() -> attach(kind), 100, TimeUnit.MILLISECONDS);
            }
        }));
    }

    @Override
    public synchronized void close() {
        closed = true;
        registrations.forEach(ResourceCache.Registration::close);
        registrations.clear();
    }
}
