package io.dbtoperator.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

class LocalArtifactStoreTest extends ArtifactStoreContract {

  private Path root() {
    return temp.resolve("artifacts");
  }

  @Override
  protected ArtifactStore openStore() {
    return new LocalArtifactStore(root());
  }

  @Override
  protected List<String> storedKeys() {
    if (!Files.isDirectory(root())) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(root())) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> root().relativize(file).toString().replace('\\', '/'))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected String storedContent(String key) throws IOException {
    return Files.readString(root().resolve(key));
  }

  @Override
  protected String locationOf(String key) {
    return root().toAbsolutePath().resolve(key).toUri().toString();
  }
}
