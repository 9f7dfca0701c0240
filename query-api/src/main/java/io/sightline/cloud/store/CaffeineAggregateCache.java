package io.sightline.cloud.store;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;

/**
 * A bounded, strongly-referenced aggregate cache. Axon's {@code WeakReferenceCache} loses its
 * entries at every young GC under ingestion load, and each miss replays the session from its last
 * snapshot: measured at 11k events/s with it, see docs/benchmarks.md. Entry listeners are not
 * needed by the event-sourcing repository, so registration is a no-op.
 */
public class CaffeineAggregateCache implements Cache {

    private final ConcurrentMap<Object, Object> map;

    public CaffeineAggregateCache(long maximumEntries) {
        this.map = Caffeine.newBuilder().maximumSize(maximumEntries).build().asMap();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        return (V) map.get(key);
    }

    @Override
    public void put(Object key, Object value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        return map.putIfAbsent(key, value) == null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
        return (T) map.computeIfAbsent(key, k -> valueSupplier.get());
    }

    @Override
    public boolean remove(Object key) {
        return map.remove(key) != null;
    }

    @Override
    public void removeAll() {
        map.clear();
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        map.computeIfPresent(key, (k, v) -> update.apply((V) v));
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener cacheEntryListener) {
        return () -> true;
    }

    int size() {
        return map.size();
    }

    Map<Object, Object> view() {
        return map;
    }
}
