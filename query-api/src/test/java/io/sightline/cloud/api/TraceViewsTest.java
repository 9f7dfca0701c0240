package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Text from events (summaries, ids, notes) must never break out of the DOT string or the HTML page it lands in. */
class TraceViewsTest {

    @Test
    void dotIdsEscapeQuotesBackslashesAndLineBreaks() {
        assertThat(TraceViews.dotId("a\"b\\c\nd\re")).isEqualTo("\"a\\\"b\\\\c\\nde\"");
    }

    @Test
    void htmlEscapesMarkupAndAttributeQuotes() {
        assertThat(TraceViews.escape("<script>alert('x')</script> & \"q\"")).isEqualTo(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assertThat(TraceViews.escape(null)).isEmpty();
    }
}
