package sibyl.bench.hitratio;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A trace in a file, one request a line, gzipped if the name ends in {@code .gz}:
 * <ul>
 *   <li>{@code timestamp id size [more...]}, the Wikipedia CDN traces' lines (and
 *       webcachesim's), whitespace-separated; what {@link #write} writes;
 *   <li>{@code id size}.
 * </ul>
 * An id is any token (hashed to a number when it is not one); a size is bytes. Empty lines and
 * lines starting with {@code #} are skipped; anything else that does not parse is an error naming
 * the file and line.
 */
final class TraceFile implements Trace {
    private final Path path;
    private final int divisor;

    /** @param divisor what every size is divided by */
    TraceFile(Path path, int divisor) {
        this.path = path;
        this.divisor = divisor;
    }

    @Override
    public String name() {
        return path.getFileName().toString();
    }

    @Override
    public Requests open() throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(input(path), StandardCharsets.US_ASCII), 1 << 16);
        return new Requests() {
            long line;
            long id;
            long size;

            @Override
            public boolean next() throws IOException {
                for (String text; (text = reader.readLine()) != null; ) {
                    line++;
                    String trimmed = text.strip();
                    if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                        continue;
                    }
                    String[] fields = trimmed.split("\\s+");
                    if (fields.length < 2) {
                        throw new IOException(path + ":" + line + ": expected 'timestamp id size' or 'id size', got '"
                                + text + "'");
                    }
                    int idField = fields.length == 2 ? 0 : 1;
                    id = idOf(fields[idField]);
                    try {
                        size = Math.max(1, Long.parseLong(fields[idField + 1]) / divisor);
                    } catch (NumberFormatException e) {
                        throw new IOException(path + ":" + line + ": size '" + fields[idField + 1] + "' is not a number");
                    }
                    return true;
                }
                return false;
            }

            @Override
            public long id() {
                return id;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    /** Writes every request of {@code trace} to {@code path} as {@code timestamp id size} lines (the request's number for timestamp). */
    static long write(Trace trace, Path path) throws IOException {
        long count = 0;
        try (Requests requests = trace.open(); Writer out = new BufferedWriter(new OutputStreamWriter(output(path),
                StandardCharsets.US_ASCII), 1 << 16)) {
            while (requests.next()) {
                out.write(count++ + " " + requests.id() + " " + requests.size() + "\n");
            }
        }
        return count;
    }

    private static long idOf(String token) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            long hash = 0xCBF2_9CE4_8422_2325L; // FNV-1a
            for (int i = 0; i < token.length(); i++) {
                hash = (hash ^ token.charAt(i)) * 0x0000_0100_0000_01B3L;
            }
            return hash;
        }
    }

    private static InputStream input(Path path) throws IOException {
        InputStream in = Files.newInputStream(path);
        return path.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static OutputStream output(Path path) throws IOException {
        OutputStream out = Files.newOutputStream(path);
        return path.toString().endsWith(".gz") ? new GZIPOutputStream(out, 1 << 16) : out;
    }
}
