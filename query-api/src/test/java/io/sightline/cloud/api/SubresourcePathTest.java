package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Ids with slashes and the sub-resource suffix taken off the end. */
class SubresourcePathTest {

    @Test
    void suffixIsTakenOffTheEndAndTheRestIsTheId() {
        assertThat(SubresourcePath.parse("/s-1/alert/3/trace", "trace", "narrative", ""))
                .contains(new SubresourcePath("s-1/alert/3", "trace"));
        assertThat(SubresourcePath.parse("/s-1/alert/3/narrative", "trace", "narrative", ""))
                .contains(new SubresourcePath("s-1/alert/3", "narrative"));
        assertThat(SubresourcePath.parse("/s-1/alert/3", "trace", "narrative", "")).contains(new SubresourcePath("s-1/alert/3", ""));
    }

    @Test
    void noIdOrAnUnservedSuffixIsNoResource() {
        assertThat(SubresourcePath.parse("/trace", "trace")).as("a suffix alone names no alert").isEmpty();
        assertThat(SubresourcePath.parse("/", "trace", "")).isEmpty();
        assertThat(SubresourcePath.parse("/s-1/alert/3/", "")).as("trailing slash").isEmpty();
        assertThat(SubresourcePath.parse("/s-1/alert/3", "review")).as("POST needs /review").isEmpty();
        assertThat(SubresourcePath.parse("/s-1/retrace", "trace")).as("suffix must be a whole segment").isEmpty();
    }
}
