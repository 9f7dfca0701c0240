/**
 * The safety-application SPI (ADR-0029): forward collision, following distance, vulnerable road
 * users, rolling stop and any new application are plug-ins over the shared perception (confirmed
 * tracks with range, TTC and lateral kinematics; vehicle state; camera health). An application
 * declares its inputs, its versioned policy of named rules built from the one factor catalog, and
 * its alert kinds; it fills {@link io.sightline.edge.risk.RuleEvaluation}s, and the projector
 * records them as {@code RiskAssessed} and hands them to the shared actuator. No framework here.
 */
package io.sightline.edge.app;
