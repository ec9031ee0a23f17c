package io.dbtoperator.run;

import io.dbtoperator.plan.OperatorConfig;
import io.dbtoperator.state.RunType;
import io.dbtoperator.state.StateStore;
import io.dbtoperator.warehouse.Warehouse;
import java.time.Clock;

/** What every schema run of one plan shares. */
record RunContext(
    String project,
    StateStore store,
    Warehouse warehouse,
    WarehouseTarget target,
    DbtExecutor dbt,
    BuildExecutor builds,
    ArtifactStore artifacts,
    ArtifactStore.ProjectKey artifactKey,
    Workspace workspace,
    OperatorConfig config,
    RunType runType,
    Clock clock,
    RunSettings settings,
    RunListener listener,
    StepHook hook) {}
