package io.dbtoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletServerTest {

  @TempDir Path dir;

  @Test
  void tailLinesStartsAtTheLastLinesWhetherOrNotTheFileEndsWithANewline() throws IOException {
    Path log = Files.writeString(dir.resolve("a.log"), "one\ntwo\nthree\n");
    assertThat(tail(log, 0)).isEmpty();
    assertThat(tail(log, 1)).isEqualTo("three\n");
    assertThat(tail(log, 2)).isEqualTo("two\nthree\n");
    assertThat(tail(log, 5)).isEqualTo("one\ntwo\nthree\n");
    Path partial = Files.writeString(dir.resolve("b.log"), "one\ntwo");
    assertThat(tail(partial, 1)).isEqualTo("two");
  }

  private static String tail(Path file, int lines) throws IOException {
    return Files.readString(file).substring((int) KubeletServer.tailStart(file, lines));
  }
}
