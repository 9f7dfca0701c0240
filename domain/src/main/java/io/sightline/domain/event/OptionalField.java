package io.sightline.domain.event;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a non-numeric record component that may be {@code null} (boxed numbers are optional
 * without it), or a boxed number added in a later revision that an older producer leaves out. Ingestion accepts the field as absent or null, so a producer that predates it
 * still validates; every other non-numeric component stays required.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface OptionalField {
}
