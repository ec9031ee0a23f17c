package io.dbtoperator.state;

import java.util.List;

/**
 * One page of run history, newest first.
 *
 * @param nextPageToken opaque token for the following page, null when this is the last page
 */
public record RunPage(List<RunRecord> runs, String nextPageToken) {
  public RunPage {
    runs = List.copyOf(runs);
  }
}
