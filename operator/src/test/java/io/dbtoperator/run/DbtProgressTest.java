package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.dbtoperator.state.RunCounts;
import java.util.List;
import org.junit.jupiter.api.Test;

class DbtProgressTest {
  static String event(String name, String id, String type, String status) {
    return "{\"info\": {\"name\": \""
        + name
        + "\", \"level\": \"info\", \"msg\": \"...\"}, \"data\": {\"node_info\": {\"unique_id\": \""
        + id
        + "\", \"resource_type\": \""
        + type
        + "\", \"node_status\": \""
        + status
        + "\"}}}";
  }

  @Test
  void countsEachNodeByItsNewestStatusAndTracksTheCurrentOne() {
    DbtProgress progress = new DbtProgress();
    progress.accept(event("NodeStart", "model.shop.orders", "model", "started"));
    assertThat(progress.currentNode()).contains("model.shop.orders");
    progress.accept(event("LogModelResult", "model.shop.orders", "model", "success"));
    progress.accept(event("NodeFinished", "model.shop.orders", "model", "success"));
    progress.accept(event("LogTestResult", "test.shop.unique_orders_order_id.1", "test", "fail"));
    progress.accept(event("LogTestResult", "test.shop.not_null_orders_order_id.2", "test", "pass"));
    progress.accept(event("LogSkipResult", "model.shop.customers", "model", "skipped"));
    progress.accept(event("LogModelResult", "model.shop.broken", "model", "error"));

    assertThat(progress.counts()).isEqualTo(new RunCounts(3, 1, 1, 1, 1, 1));
    assertThat(progress.failedNodes())
        .containsExactly("test.shop.unique_orders_order_id.1", "model.shop.broken");
    assertThat(progress.currentNode()).isEmpty();
  }

  @Test
  void aFailedTestStaysFailedThroughTheResultEventsThatFollowIt() {
    // dbt 1.10's RunResultFailure and RunResultError carry node_status "None" (Python's None as
    // text); seen in the log of a real failed build pod.
    DbtProgress progress = new DbtProgress();
    progress.accept(event("LogStartLine", "test.shop.orders_are_never_empty", "test", "started"));
    progress.accept(event("LogTestResult", "test.shop.orders_are_never_empty", "test", "fail"));
    progress.accept(event("RunResultFailure", "test.shop.orders_are_never_empty", "test", "None"));
    progress.accept(event("RunResultError", "test.shop.orders_are_never_empty", "test", "None"));

    assertThat(progress.failedNodes()).containsExactly("test.shop.orders_are_never_empty");
    assertThat(progress.counts().testsFailed()).isEqualTo(1);
  }

  @Test
  void keepsErrorMessagesAndIgnoresLinesThatAreNotEvents() {
    DbtProgress progress = new DbtProgress();
    assertThat(progress.accept("Traceback (most recent call last):")).isFalse();
    assertThat(progress.accept("{not json")).isFalse();
    progress.accept(
        "{\"info\": {\"name\": \"MainEncounteredError\", \"level\": \"error\","
            + " \"msg\": \"Compilation Error in model orders\"}, \"data\": {}}");

    assertThat(progress.errors()).containsExactly("Compilation Error in model orders");
    assertThat(progress.counts()).isEqualTo(RunCounts.NONE);
  }

  @Test
  void describesAFailureByItsErrorsElseByTheLastLines() {
    DbtProgress plain = new DbtProgress();
    for (String line :
        List.of(
            "Usage: dbt parse [OPTIONS]",
            "Try 'dbt parse --help' for help.",
            "",
            "Error: Invalid value for '--project-dir': Path 'x' does not exist.")) {
      plain.accept(line);
    }
    assertThat(plain.describeFailure())
        .isEqualTo(
            "Usage: dbt parse [OPTIONS] | Try 'dbt parse --help' for help. | Error: Invalid value"
                + " for '--project-dir': Path 'x' does not exist.");

    DbtProgress json = new DbtProgress();
    json.accept("{\"info\": {\"level\": \"info\", \"msg\": \"Running with dbt=1.9\"}}");
    json.accept("{\"info\": {\"level\": \"error\", \"msg\": \"Compilation Error\\n  in a\"}}");
    assertThat(json.describeFailure()).isEqualTo("Compilation Error in a");
    assertThat(new DbtProgress().describeFailure()).isEqualTo("dbt printed nothing");
  }
}
