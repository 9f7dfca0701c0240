/**
 * The one catalog of risk factors and policy threshold keys. The edge policy emits factors by these
 * keys, recorded {@code RiskAssessed} events carry them, and the explanations (labels, what-if
 * threshold binding, narrative) read them back through the same entries, so a factor renamed on one
 * side cannot silently go unbound on the other.
 */
package io.sightline.domain.risk;
