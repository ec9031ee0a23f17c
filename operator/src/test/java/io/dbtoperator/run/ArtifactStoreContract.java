package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.run.ArtifactStore.ProjectKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour every {@link ArtifactStore} backend must have. A backend test extends this class, opens
 * a store on an empty root per test, and lists what is stored under that root.
 */
public abstract class ArtifactStoreContract {
  protected static final ProjectKey PROJECT = new ProjectKey("analytics", "jaffle");
  protected static final String SHA_1 = "1111111111111111111111111111111111111111";
  protected static final String SHA_2 = "2222222222222222222222222222222222222222";
  protected static final String SHA_3 = "3333333333333333333333333333333333333333";
  protected static final long LARGE_SIZE = 48L * 1024 * 1024;

  @TempDir protected Path temp;
  protected ArtifactStore store;

  /** Opens a store on this test's root, empty at the start of the test. */
  protected abstract ArtifactStore openStore();

  /** Every stored key relative to the store's root, '/'-separated, sorted. */
  protected abstract List<String> storedKeys();

  /** The content of a stored key, read around the store under test. */
  protected abstract String storedContent(String key) throws IOException;

  /** The location {@link ArtifactStore#putRunFile} must return for a key relative to the root. */
  protected abstract String locationOf(String key);

  /** Lets a backend check how the large manifest of {@link #largeFileStreamsBothWays} was kept. */
  protected void checkLargeManifest(String key) {}

  @BeforeEach
  void openFirstStore() {
    store = openStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void keepsTheDocumentedLayout() throws IOException {
    String log =
        store.putRunFile(PROJECT, "marts", "run-1", "dbt.log", file("dbt.log", "started\n"));
    store.putRunFile(PROJECT, "marts", "run-1", "run_results.json", file("rr.json", "{}"));
    store.putRunFile(PROJECT, "marts", "run-1", "manifest.json", file("m.json", "{\"a\":1}"));
    store.putManifest(PROJECT, SHA_1, file("manifest.json", "{\"nodes\":{}}"));
    store.putDocs(PROJECT, docs("v1", "index.html", "catalog.json", "manifest.json"));

    assertThat(log).isEqualTo(locationOf("analytics/jaffle/runs/marts/run-1/dbt.log"));
    assertThat(store.runFileLocation(PROJECT, "marts", "run-1", "dbt.log")).isEqualTo(log);
    assertThat(store.runFileLocation(PROJECT, "marts", "run-2", "dbt.log"))
        .isEqualTo(locationOf("analytics/jaffle/runs/marts/run-2/dbt.log"));
    assertThat(storedKeys())
        .containsExactly(
            "analytics/jaffle/docs/catalog.json",
            "analytics/jaffle/docs/index.html",
            "analytics/jaffle/docs/manifest.json",
            "analytics/jaffle/manifest/" + SHA_1 + ".json",
            "analytics/jaffle/runs/marts/run-1/dbt.log",
            "analytics/jaffle/runs/marts/run-1/manifest.json",
            "analytics/jaffle/runs/marts/run-1/run_results.json");
  }

  @Test
  void readsBackWhatWasStoredAndTheLatestCopyWins() throws IOException {
    store.putRunFile(PROJECT, "marts", "run-1", "dbt.log", file("a.log", "first"));
    store.putRunFile(PROJECT, "marts", "run-1", "dbt.log", file("b.log", "second"));
    store.putManifest(PROJECT, SHA_1, file("manifest.json", "{\"v\":1}"));

    assertThat(read(store.openRunFile(PROJECT, "marts", "run-1", "dbt.log"))).isEqualTo("second");
    assertThat(read(store.openManifest(PROJECT, SHA_1))).isEqualTo("{\"v\":1}");
  }

  @Test
  void missingObjectsReadAsEmpty() throws IOException {
    store.putRunFile(PROJECT, "marts", "run-1", "dbt.log", file("a.log", "x"));

    assertThat(store.openRunFile(PROJECT, "marts", "run-1", "run_results.json")).isEmpty();
    assertThat(store.openRunFile(PROJECT, "marts", "run-2", "dbt.log")).isEmpty();
    assertThat(store.openManifest(PROJECT, SHA_1)).isEmpty();
    assertThat(store.manifestCommits(PROJECT)).isEmpty();
    assertThat(store.manifestCommits(new ProjectKey("other", "project"))).isEmpty();
  }

  @Test
  void retainingOneManifestDeletesTheOthersAndLeavesRunFiles() throws IOException {
    store.putManifest(PROJECT, SHA_1, file("m1.json", "one"));
    store.putManifest(PROJECT, SHA_2, file("m2.json", "two"));
    store.putManifest(PROJECT, SHA_3, file("m3.json", "three"));
    ProjectKey other = new ProjectKey("analytics", "other");
    store.putManifest(other, SHA_1, file("o1.json", "other one"));
    store.putRunFile(PROJECT, "marts", "run-1", "manifest.json", file("r.json", "run"));
    assertThat(store.manifestCommits(PROJECT)).containsExactlyInAnyOrder(SHA_1, SHA_2, SHA_3);

    store.retainOnlyManifest(PROJECT, SHA_3);

    assertThat(store.manifestCommits(PROJECT)).containsExactly(SHA_3);
    assertThat(read(store.openManifest(PROJECT, SHA_3))).isEqualTo("three");
    assertThat(store.openManifest(PROJECT, SHA_1)).isEmpty();
    assertThat(storedKeys())
        .containsExactly(
            "analytics/jaffle/manifest/" + SHA_3 + ".json",
            "analytics/jaffle/runs/marts/run-1/manifest.json",
            "analytics/other/manifest/" + SHA_1 + ".json");
  }

  @Test
  void keepsOnlyTheNewestPartialParseStateAndReadsItBackByItsKeyOnly() throws IOException {
    store.putManifest(PROJECT, SHA_1, file("m1.json", "one"));
    store.putPartialParse(PROJECT, "key-a", file("a.msgpack", "state a"));
    store.putPartialParse(PROJECT, "key-b", file("b.msgpack", "state b"));

    assertThat(read(store.openPartialParse(PROJECT, "key-b"))).isEqualTo("state b");
    assertThat(store.openPartialParse(PROJECT, "key-a")).isEmpty();
    assertThat(store.openPartialParse(new ProjectKey("analytics", "other"), "key-b")).isEmpty();
    assertThat(storedKeys())
        .containsExactly(
            "analytics/jaffle/manifest/" + SHA_1 + ".json",
            "analytics/jaffle/partial-parse/key-b.msgpack");
  }

  @Test
  void newDocsReplaceTheOldOnes() throws IOException {
    store.putDocs(PROJECT, docs("v1", "index.html", "catalog.json", "manifest.json", "x/old.js"));
    store.putDocs(PROJECT, docs("v2", "index.html", "catalog.json", "manifest.json"));

    assertThat(storedKeys())
        .containsExactly(
            "analytics/jaffle/docs/catalog.json",
            "analytics/jaffle/docs/index.html",
            "analytics/jaffle/docs/manifest.json");
    assertThat(storedContent("analytics/jaffle/docs/index.html")).isEqualTo("v2 index.html");
    assertThat(storedContent("analytics/jaffle/docs/catalog.json")).isEqualTo("v2 catalog.json");
  }

  @Test
  void aFailedWriteKeepsThePreviousCopy() throws IOException {
    store.putManifest(PROJECT, SHA_1, file("manifest.json", "good"));

    assertThatThrownBy(() -> store.putManifest(PROJECT, SHA_1, temp.resolve("absent.json")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("absent.json");

    assertThat(read(store.openManifest(PROJECT, SHA_1))).isEqualTo("good");
    assertThat(storedKeys()).containsExactly("analytics/jaffle/manifest/" + SHA_1 + ".json");
  }

  @Test
  void refusesNamesThatWouldLeaveTheProject() throws IOException {
    Path log = file("dbt.log", "x");

    assertThatThrownBy(() -> store.putRunFile(PROJECT, "..", "run-1", "dbt.log", log))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessage(
            "schema \"..\" cannot be part of an artifact path: use letters, digits, '.', '_',"
                + " '$' and '-'");
    assertThatThrownBy(() -> store.putManifest(new ProjectKey("a/b", "p"), SHA_1, log))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageStartingWith("namespace \"a/b\" cannot be part of an artifact path");
    assertThat(storedKeys()).isEmpty();
  }

  @Test
  void largeFileStreamsBothWays() throws Exception {
    Path large = temp.resolve("large-manifest.json");
    String writtenSha = writeRandomFile(large, LARGE_SIZE);

    long uploadNanos;
    long downloadNanos;
    String readSha;
    long peakHeapGrowth;
    try (HeapSampler heap = HeapSampler.start()) {
      long start = System.nanoTime();
      store.putManifest(PROJECT, SHA_1, large);
      uploadNanos = System.nanoTime() - start;
      start = System.nanoTime();
      try (InputStream in = store.openManifest(PROJECT, SHA_1).orElseThrow()) {
        readSha = sha256(in);
      }
      downloadNanos = System.nanoTime() - start;
      peakHeapGrowth = heap.peakGrowth();
    }
    System.out.printf(
        "%s: %d MiB up in %d ms, down in %d ms, peak live heap growth %.1f MiB%n",
        getClass().getSimpleName(),
        LARGE_SIZE >> 20,
        uploadNanos / 1_000_000,
        downloadNanos / 1_000_000,
        peakHeapGrowth / (1024.0 * 1024));

    assertThat(readSha).isEqualTo(writtenSha);
    // Holding the file in memory once would add 48 MiB of live heap.
    assertThat(peakHeapGrowth).isLessThan(LARGE_SIZE / 3);
    checkLargeManifest("analytics/jaffle/manifest/" + SHA_1 + ".json");
  }

  protected Path file(String name, String content) throws IOException {
    Path file = temp.resolve("src").resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  private Path docs(String version, String... names) throws IOException {
    Path dir = temp.resolve("docs-" + version);
    for (String name : names) {
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      Files.writeString(file, version + " " + name);
    }
    return dir;
  }

  protected static String read(Optional<InputStream> stream) throws IOException {
    if (stream.isEmpty()) {
      return null;
    }
    try (InputStream in = stream.get()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Writes {@code size} pseudo-random bytes in small chunks and returns their sha256. */
  protected static String writeRandomFile(Path file, long size)
      throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Random random = new Random(42);
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += chunk.length) {
        random.nextBytes(chunk);
        int length = (int) Math.min(chunk.length, size - written);
        digest.update(chunk, 0, length);
        out.write(chunk, 0, length);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  protected static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
      digesting.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Samples the live heap (used heap right after a full collection) while a transfer runs, so a
   * copy of the whole file held in memory shows up however briefly the transfer takes.
   */
  static final class HeapSampler implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong peak = new AtomicLong();
    private final long baseline;
    private final Thread thread;

    private HeapSampler() {
      this.baseline = liveHeap();
      this.thread = new Thread(this::sample, "heap-sampler");
      thread.setDaemon(true);
    }

    static HeapSampler start() {
      HeapSampler sampler = new HeapSampler();
      sampler.thread.start();
      return sampler;
    }

    private long liveHeap() {
      memory.gc();
      return memory.getHeapMemoryUsage().getUsed();
    }

    private void sample() {
      while (running.get()) {
        peak.accumulateAndGet(liveHeap(), Math::max);
        // Leaves the transfer most of the CPU between the full collections.
        LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
      }
    }

    long peakGrowth() throws InterruptedException {
      close();
      return Math.max(0, peak.get() - baseline);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
