package io.dbtoperator.reconcile;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the operator process runs.
 *
 * @param workDir git clones and per-commit workspaces
 * @param dbt dbt executable the operator parses projects with, or null to parse in pods
 * @param operatorImage image of the checkout init container and the clock CronJob
 * @param maxRunsPerProject runs at once in one project
 * @param maxRunsTotal runs at once in all the projects of this operator
 * @param activeDeadline how long a build pod may run
 * @param gitPoll how often a followed branch is fetched
 * @param maxFailures consecutive failures after which a schema is Stalled
 */
public record OperatorSettings(
    Path workDir,
    Path dbt,
    String operatorImage,
    int threads,
    int maxRunsPerProject,
    int maxRunsTotal,
    Duration activeDeadline,
    Duration gitPoll,
    int maxFailures,
    Duration retryBase,
    Duration retryCap,
    String holder) {}
