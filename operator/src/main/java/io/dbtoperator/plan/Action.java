package io.dbtoperator.plan;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a plan step does to one schema. The JSON names are a contract with other tools. */
public enum Action {
  DEPLOY("deploy", "~"),
  FULL_DEPLOY("full-deploy", "+"),
  REFRESH("refresh", "↻"),
  FULL_REFRESH("full-refresh", "⟳"),
  RETIRE("retire", "-"),
  NOOP("noop", "=");

  private final String json;
  private final String symbol;

  Action(String json, String symbol) {
    this.json = json;
    this.symbol = symbol;
  }

  @JsonValue
  public String json() {
    return json;
  }

  public String symbol() {
    return symbol;
  }

  public boolean changes() {
    return this != NOOP;
  }
}
