package io.kaji.store;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A {@link WatchListener} for tests: records every event and the error, if any. */
public final class EventCollector implements WatchListener {

    private final List<Event> events = new ArrayList<>();
    private final AtomicReference<StoreException> error = new AtomicReference<>();
    private volatile boolean overlapping;
    private volatile boolean inCall;

    @Override
    public void onEvents(List<Event> batch) {
        if (inCall) {
            overlapping = true;
        }
        inCall = true;
        try {
            if (batch.isEmpty()) {
                throw new AssertionError("empty event batch delivered");
            }
            synchronized (events) {
                events.addAll(batch);
            }
        } finally {
            inCall = false;
        }
    }

    @Override
    public void onError(StoreException e) {
        error.set(e);
    }

    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    public StoreException error() {
        return error.get();
    }

    /** True if two deliveries ever ran at the same time (the contract says they never do). */
    public boolean sawOverlappingCalls() {
        return overlapping;
    }

    /** Waits until at least {@code n} events arrived. */
    public List<Event> awaitEvents(int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> events().size() >= n || error() != null);
        if (error() != null) {
            throw new AssertionError("watch failed after " + events().size() + " events: " + error().getMessage(), error());
        }
        return events();
    }

    public StoreException awaitError() {
        await().atMost(Duration.ofSeconds(20)).until(() -> error() != null);
        return error();
    }

    /** Collects a list of keys, for assertions. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (Event e : events()) {
            keys.add(e.kv().key());
        }
        return keys;
    }
}
