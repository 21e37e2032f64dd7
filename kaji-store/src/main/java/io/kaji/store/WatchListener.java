package io.kaji.store;

import java.util.List;

/**
 * Receives the changes of one watch. Calls for one watch never overlap and arrive in revision order;
 * they run on a thread owned by the store, so a listener should hand work off rather than block for long
 * (a watcher that falls too far behind is ended with an error).
 */
public interface WatchListener {

    /** One or more changes, strictly in revision order, never empty. */
    void onEvents(List<Event> events);

    /**
     * The watch ended abnormally and no more events follow: {@link CompactedException} when the start
     * revision is no longer available (the API server answers 410 Gone), or another {@link StoreException}.
     */
    void onError(StoreException error);
}
