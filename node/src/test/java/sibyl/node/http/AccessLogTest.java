package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log's lines are Squid's native format, field for field and space for space. */
class AccessLogTest {
    @TempDir
    Path dir;

    @Test
    void linesAreSquidsNativeFormat() throws IOException {
        Transaction hit = new Transaction("127.0.0.1", "GET", "http://example.com/a?b=c");
        hit.code = LogCode.TCP_MEM_HIT;
        hit.status = 200;
        hit.bytesOut = 1389;
        hit.contentType = "text/html";
        Transaction refused = new Transaction("10.1.2.3", "CONNECT", "example.com:443");
        refused.code = LogCode.NONE_NONE;
        refused.status = 0;
        refused.aborted = true;
        refused.hierarchy = "HIER_DIRECT/192.0.2.7";

        Path file = dir.resolve("logs/access.log");
        try (AccessLog log = AccessLog.open(file)) {
            log.record(hit, 12_345_678);
            log.record(refused, 3_000_000);
            log.flush();
            List<String> lines = Files.readAllLines(file);
            assertEquals(List.of(squid(hit, 12), squid(refused, 3)), lines);
        }
    }

    @Test
    void reopeningAfterTheFileWasMovedAwayWritesOnToANewFileAtThePath() throws IOException {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (AccessLog log = AccessLog.open(file)) {
            log.record(new Transaction("127.0.0.1", "GET", "http://example.com/before"), 0);
            log.flush();
            Files.move(file, rotated); // what logrotate does, without copytruncate

            log.record(new Transaction("127.0.0.1", "GET", "http://example.com/still-old"), 0);
            log.reopen();
            log.record(new Transaction("127.0.0.1", "GET", "http://example.com/after"), 0);
            log.flush();

            List<String> old = Files.readAllLines(rotated);
            List<String> fresh = Files.readAllLines(file);
            assertEquals(2, old.size(), old.toString());
            assertTrue(old.get(1).contains("http://example.com/still-old"), "recorded before the reopen: the old file");
            assertEquals(1, fresh.size(), fresh.toString());
            assertTrue(fresh.get(0).contains("http://example.com/after"));
        }
    }

    /**
     * The line Squid's {@code %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt} gives,
     * with the elapsed time read back from the written line (it depends on when it was written).
     */
    private static String squid(Transaction t, long elapsed) {
        String code = t.aborted ? t.code + "_ABORTED" : t.code.name();
        return String.format(Locale.ROOT, "%d.%03d %6d %s %s/%03d %d %s %s - %s %s", t.startMillis / 1000,
                t.startMillis % 1000, elapsed, t.client, code, t.status, t.bytesOut, t.method, t.url, t.hierarchy,
                t.contentType);
    }
}
