package sibyl.bench.hitratio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceFileTest {
    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"wiki.tr", "wiki.tr.gz"})
    void readsTheWikipediaCdnFormatPlainOrGzipped(String name) throws IOException {
        Path file = write(name, """
                # timestamp id size, as in the Wikipedia CDN traces
                1 17 4096
                1 2041 130000 extra columns are ignored

                2 17 4096
                """);
        assertEquals(List.of(List.of(17L, 4096L), List.of(2041L, 130000L), List.of(17L, 4096L)),
                read(new TraceFile(file, 1)));
    }

    @Test
    void readsIdSizeLinesHashingIdsThatAreNotNumbers() throws IOException {
        Path file = write("ids.txt", "a3f9 100\nb7 200\na3f9 100\n");
        List<List<Long>> requests = read(new TraceFile(file, 1));
        assertEquals(3, requests.size());
        assertEquals(requests.get(0), requests.get(2));
        assertNotEquals(requests.get(0).get(0), requests.get(1).get(0));
        assertEquals(200L, requests.get(1).get(1));
    }

    @Test
    void dividesSizesKeepingEveryObjectAtLeastAByte() throws IOException {
        Path file = write("small.tr", "0 1 1600\n0 2 3\n");
        assertEquals(List.of(List.of(1L, 100L), List.of(2L, 1L)), read(new TraceFile(file, 16)));
    }

    @Test
    void aLineThatDoesNotParseIsNamedByFileAndLine() throws IOException {
        Path file = write("bad.tr", "0 1 100\n0 2 many\n");
        IOException error = assertThrows(IOException.class, () -> read(new TraceFile(file, 1)));
        assertTrue(error.getMessage().contains("bad.tr:2: size 'many' is not a number"), error.getMessage());
        Path truncated = write("short.tr", "\n17\n");
        error = assertThrows(IOException.class, () -> read(new TraceFile(truncated, 1)));
        assertTrue(error.getMessage().contains("short.tr:2: expected"), error.getMessage());
    }

    @Test
    void whatGenerateWritesReadsBackAsTheSameRequests() throws IOException {
        Trace zipf = SyntheticTrace.named("zipf-0.9", new SyntheticTrace.Shape(100, 1000, 3, new SizeMix(3, 1)),
                new SyntheticTrace.Sets(1, 1, 1, 1, 3));
        Path file = directory.resolve("zipf.tr.gz");
        assertEquals(1000, TraceFile.write(zipf, file));
        assertEquals(read(zipf), read(new TraceFile(file, 1)));
    }

    static List<List<Long>> read(Trace trace) throws IOException {
        List<List<Long>> requests = new ArrayList<>();
        try (Trace.Requests pass = trace.open()) {
            while (pass.next()) {
                requests.add(List.of(pass.id(), pass.size()));
            }
            assertFalse(pass.next());
        }
        return requests;
    }

    private Path write(String name, String text) throws IOException {
        Path file = directory.resolve(name);
        try (OutputStream out = name.endsWith(".gz") ? new GZIPOutputStream(Files.newOutputStream(file))
                : Files.newOutputStream(file)) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }
}
