package io.sightline.cloud.api;

import java.util.Optional;

/**
 * Splits "/{id}/{sub-resource}" captured by a {@code {*path}} mapping. Alert ids contain slashes
 * (the edge makes them "{@code <session>/alert/<n>}"), and Spring Security's firewall refuses an
 * encoded slash, so the id cannot be one path segment: the known sub-resource suffix is taken off
 * the end and the rest is the id.
 */
record SubresourcePath(String id, String subresource) {

    /**
     * @param captured     the {@code {*path}} value, with its leading slash
     * @param subresources suffixes this endpoint serves, without slash; "" for the resource itself
     */
    static Optional<SubresourcePath> parse(String captured, String... subresources) {
        String path = captured.startsWith("/") ? captured.substring(1) : captured;
        for (String sub : subresources) {
            if (sub.isEmpty()) {
                continue;
            }
            String suffix = "/" + sub;
            if (path.endsWith(suffix) && path.length() > suffix.length()) {
                return Optional.of(new SubresourcePath(path.substring(0, path.length() - suffix.length()), sub));
            }
        }
        for (String sub : subresources) {
            if (sub.isEmpty() && !path.isEmpty() && !path.endsWith("/")) {
                return Optional.of(new SubresourcePath(path, ""));
            }
        }
        return Optional.empty();
    }
}
