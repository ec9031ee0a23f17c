package io.dbtoperator.api;

/**
 * What a change to a view-only schema that other schemas read from deploys. FullDeploy is the
 * conservative policy: any such change redeploys every schema of the project.
 */
public enum ViewChangePolicy {
  DeployDependents,
  FullDeploy
}
