package sibyl.node.soak;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import sibyl.icp.client.IcpClient;

/**
 * The soak's clients: a bounded mix at a capped rate over the working set, Zipf-ish so that
 * some objects are hits and the tail misses: GETs (each with one of the encodings a Vary object
 * varies on), GETs of never-seen URLs, byte ranges, HEADs, conditional GETs, PURGEs, and now and
 * then a client that leaves mid-response or pipelines several requests; ICP queries beside. Each
 * client keeps its connection alive. Every response is checked byte for byte against the
 * working set; every request ends answered, closed by the node, or unanswered (a failure).
 */
final class SoakLoad {
    /** What to send: where, how fast, for how long, and how often the rare clients come. */
    record Settings(InetSocketAddress http, InetSocketAddress icp, int connections, double requestsPerSecond,
            double icpPerSecond, Duration duration, double abortShare, double pipelineShare, long seed) {}

    /** What the clients saw. {@code unanswered}: neither a response nor a close within the read timeout. */
    record Tally(long requests, long answered, long closed, long unanswered, long wrong, Map<Integer, Long> statuses,
            long aborted, long pipelines, long icpQueries, long icpAnswered, List<String> wrongSamples) {
        long serverErrors() {
            return statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
        }

        @Override
        public String toString() {
            return "requests=" + requests + " answered=" + answered + " closed_by_node=" + closed + " unanswered="
                    + unanswered + " wrong=" + wrong + " statuses=" + statuses + " aborted_by_client=" + aborted
                    + " pipelines=" + pipelines + " icp_queries=" + icpQueries + " icp_answered=" + icpAnswered;
        }
    }

    private enum Op { GET, NEW_URL, RANGE, HEAD, CONDITIONAL, PURGE }

    private static final int READ_TIMEOUT_MS = 30_000;
    private static final double ZIPF_EXPONENT = 0.9;

    private final Settings settings;
    private final SoakObjects objects;
    private final SoakOrigin origin;
    private final int[] byRank;
    private final double[] cdf;
    private final long intervalNanos;
    private long nextSlot = System.nanoTime();
    private final AtomicLong uniques = new AtomicLong();
    private final Map<Long, String> lastTags = new ConcurrentHashMap<>();

    final LongAdder requests = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder unanswered = new LongAdder();
    private final LongAdder wrong = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder pipelines = new LongAdder();
    private final LongAdder icpQueries = new LongAdder();
    private final LongAdder icpAnswered = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final List<String> wrongSamples = new CopyOnWriteArrayList<>();

    SoakLoad(Settings settings, SoakObjects objects, SoakOrigin origin) {
        this.settings = settings;
        this.objects = objects;
        this.origin = origin;
        int n = objects.count();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, new java.util.Random(settings.seed()));
        byRank = ids.stream().mapToInt(Integer::intValue).toArray();
        cdf = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += 1 / Math.pow(r + 1, ZIPF_EXPONENT);
            cdf[r] = sum;
        }
        for (int r = 0; r < n; r++) {
            cdf[r] /= sum;
        }
        intervalNanos = (long) (1e9 / settings.requestsPerSecond());
    }

    /** Runs the clients for the settings' duration; returns what they saw. */
    Tally run() throws InterruptedException {
        long deadline = System.nanoTime() + settings.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < settings.connections(); i++) {
            long seed = settings.seed() * 31 + i;
            threads.add(start("soak-client-" + i, () -> client(new SplittableRandom(seed), deadline)));
        }
        if (settings.icp() != null && settings.icpPerSecond() > 0) {
            threads.add(start("soak-icp", () -> icp(new SplittableRandom(settings.seed() - 1), deadline)));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return tally();
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    Tally tally() {
        Map<Integer, Long> counts = new TreeMap<>();
        statuses.forEach((status, n) -> counts.put(status, n.sum()));
        return new Tally(requests.sum(), answered.sum(), closed.sum(), unanswered.sum(), wrong.sum(), counts,
                aborted.sum(), pipelines.sum(), icpQueries.sum(), icpAnswered.sum(), List.copyOf(wrongSamples));
    }

    /** Waits for the next {@code n} request slots of the rate cap; false once past the deadline. */
    private boolean pace(int n, long deadline) {
        long slot;
        synchronized (this) {
            slot = Math.max(nextSlot, System.nanoTime() - intervalNanos);
            nextSlot = slot + n * intervalNanos;
        }
        for (long wait = slot - System.nanoTime(); wait > 0; wait = slot - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
        return System.nanoTime() < deadline;
    }

    private int zipf(SplittableRandom random) {
        int rank = java.util.Arrays.binarySearch(cdf, random.nextDouble());
        return byRank[Math.min(cdf.length - 1, rank < 0 ? -rank - 1 : rank)];
    }

    private void client(SplittableRandom random, long deadline) {
        Connection connection = null;
        while (pace(1, deadline)) {
            double rare = random.nextDouble();
            if (rare < settings.abortShare()) {
                abort(random);
                continue;
            }
            if (rare < settings.abortShare() + settings.pipelineShare()) {
                pipeline(random, deadline);
                continue;
            }
            Request request = request(random, pick(random));
            try {
                if (connection == null) {
                    connection = new Connection(settings.http());
                }
                connection.send(request.text);
                Response response = connection.read(request.head);
                answered(request, response);
                if (response.close) {
                    connection.close();
                    connection = null;
                }
            } catch (IOException e) {
                failed(e);
                if (connection != null) {
                    connection.close();
                }
                connection = null;
            }
        }
        if (connection != null) {
            connection.close();
        }
    }

    private Op pick(SplittableRandom random) {
        int p = random.nextInt(100);
        return p < 50 ? Op.GET : p < 56 ? Op.NEW_URL : p < 68 ? Op.RANGE : p < 78 ? Op.HEAD : p < 96 ? Op.CONDITIONAL : Op.PURGE;
    }

    /** A request and what its answer must be checked against. */
    private record Request(Op op, int id, int variant, long rangeFirst, long rangeLast, boolean head, String text) {}

    private Request request(SplittableRandom random, Op op) {
        int id = zipf(random);
        SoakObjects.SoakObject object = objects.get(id);
        int variant = random.nextInt(SoakObjects.ENCODINGS.size());
        String suffix = op == Op.NEW_URL ? "?u=" + uniques.incrementAndGet() : "";
        String url = origin.url(id, suffix);
        String method = op == Op.HEAD ? "HEAD" : op == Op.PURGE ? "PURGE" : "GET";
        StringBuilder text = new StringBuilder(method).append(' ').append(url).append(" HTTP/1.1\r\nHost: ")
                .append(origin.address().getAddress().getHostAddress()).append(':').append(origin.address().getPort())
                .append("\r\nAccept-Encoding: ").append(SoakObjects.ENCODINGS.get(variant)).append("\r\n");
        long first = -1;
        long last = -1;
        if (op == Op.RANGE) {
            long size = object.size();
            int shape = random.nextInt(3);
            if (shape == 0) { // suffix
                first = size - 1 - random.nextLong(Math.min(size, 64 << 10));
                last = size - 1;
                text.append("Range: bytes=-").append(size - first).append("\r\n");
            } else {
                first = random.nextLong(size);
                last = shape == 1 ? size - 1 : Math.min(size - 1, first + random.nextLong(1, 128 << 10));
                text.append("Range: bytes=").append(first).append('-').append(shape == 1 ? "" : String.valueOf(last)).append("\r\n");
            }
        } else if (op == Op.CONDITIONAL) {
            String tag = lastTags.get(key(id, variant));
            if (tag != null && random.nextBoolean()) {
                text.append("If-None-Match: ").append(tag).append("\r\n");
            } else {
                // a date some seconds back: modified since for the objects that change, not for the rest
                text.append("If-Modified-Since: ").append(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochSecond(SoakObjects.epochSecond() - 30)))
                        .append("\r\n");
            }
        }
        text.append("\r\n");
        return new Request(op, id, variant, first, last, op == Op.HEAD, text.toString());
    }

    private static long key(int id, int variant) {
        return (long) id << 8 | variant;
    }

    /** Counts and checks one response. */
    private void answered(Request request, Response response) {
        requests.increment();
        answered.increment();
        statuses.computeIfAbsent(response.status, s -> new LongAdder()).increment();
        String problem = check(request, response);
        if (problem != null) {
            wrong.increment();
            if (wrongSamples.size() < 20) {
                wrongSamples.add(request.text.lines().findFirst().orElse("") + " " + request.text.lines()
                        .filter(l -> l.startsWith("Range") || l.startsWith("If-")).toList() + ": " + problem);
            }
        }
    }

    private void failed(IOException e) {
        requests.increment();
        if (e instanceof SocketTimeoutException) {
            unanswered.increment();
        } else {
            closed.increment(); // EOF, reset or refused: the node closed it
        }
    }

    /** What is wrong with a response, or null. */
    private String check(Request request, Response response) {
        SoakObjects.SoakObject object = objects.get(request.id);
        int status = response.status;
        if (status >= 500) {
            return null; // counted; a node may fail a request, not answer it wrongly
        }
        if (request.op == Op.PURGE) {
            return status == 200 || status == 404 ? null : "PURGE answered " + status;
        }
        String etag = response.headers.get("etag");
        if (etag != null && object.kind() == SoakObjects.Kind.VARY && !etag.endsWith("." + request.variant + "\"")) {
            return "variant " + etag + " for Accept-Encoding " + SoakObjects.ENCODINGS.get(request.variant);
        }
        if (etag != null && (status == 200 || status == 206)) {
            lastTags.put(key(request.id, request.variant), etag);
        }
        switch (status) {
            case 200 -> {
                if (request.head) {
                    String length = response.headers.get("content-length");
                    return length == null || Long.parseLong(length) == object.size() ? null : "HEAD Content-Length " + length;
                }
                if (response.body.length != object.size()) {
                    return "200 with " + response.body.length + " bytes of " + object.size();
                }
                return objects.matches(etag, 0, response.body) ? null : "200 body differs from " + etag;
            }
            case 206 -> {
                String range = response.headers.get("content-range");
                if (request.op != Op.RANGE || range == null || !range.startsWith("bytes ")) {
                    return "206 with Content-Range " + range;
                }
                String[] span = range.substring(6).split("[-/]");
                long first = Long.parseLong(span[0]);
                long last = Long.parseLong(span[1]);
                if (first != request.rangeFirst || last != request.rangeLast || Long.parseLong(span[2]) != object.size()
                        || response.body.length != last - first + 1) {
                    return "206 " + range + " with " + response.body.length + " bytes, asked " + request.rangeFirst + "-" + request.rangeLast;
                }
                return objects.matches(etag, first, response.body) ? null : "206 body differs from " + etag;
            }
            case 304 -> {
                return request.op == Op.CONDITIONAL ? null : "304 to an unconditional request";
            }
            default -> {
                return "status " + status;
            }
        }
    }

    /** A client that asks for a large body and leaves after its first bytes (or before any), half of them with a reset. */
    private void abort(SplittableRandom random) {
        int id = zipf(random);
        for (int tries = 0; objects.get(id).size() < 256 << 10 && tries < 50; tries++) {
            id = random.nextInt(objects.count());
        }
        aborted.increment();
        try (Socket socket = new Socket()) {
            socket.connect(settings.http(), 5000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            if (random.nextBoolean()) {
                socket.setSoLinger(true, 0);
            }
            socket.getOutputStream().write(("GET " + origin.url(id, "") + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int leaveAfter = random.nextInt(3) == 0 ? 0 : random.nextInt(1, 64 << 10);
            byte[] buffer = new byte[8192];
            InputStream in = socket.getInputStream();
            for (int read = 0; read < leaveAfter; ) {
                int n = in.read(buffer, 0, Math.min(buffer.length, leaveAfter - read));
                if (n < 0) {
                    break;
                }
                read += n;
            }
        } catch (IOException e) {
            // what a leaving client may meet
        }
    }

    /** A client that sends 3 to 8 requests in one write and then reads their answers in order. */
    private void pipeline(SplittableRandom random, long deadline) {
        int n = random.nextInt(3, 9);
        pace(n - 1, deadline);
        pipelines.increment();
        List<Request> batch = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Request request = request(random, random.nextInt(4) == 0 ? Op.HEAD : Op.GET);
            batch.add(request);
            text.append(request.text);
        }
        Connection connection = null;
        int done = 0;
        try {
            connection = new Connection(settings.http());
            connection.send(text.toString());
            for (Request request : batch) {
                Response response = connection.read(request.head);
                answered(request, response);
                done++;
                if (response.close) {
                    break;
                }
            }
        } catch (IOException e) {
            for (int i = done; i < n; i++) {
                failed(e);
            }
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
    }

    private void icp(SplittableRandom random, long deadline) {
        long interval = (long) (1e9 / settings.icpPerSecond());
        try (IcpClient client = IcpClient.openFor(settings.icp())) {
            long next = System.nanoTime();
            while (System.nanoTime() < deadline) {
                next += interval;
                for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                icpQueries.increment();
                try {
                    client.query(settings.icp(), origin.url(zipf(random), ""), Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
                    icpAnswered.increment();
                } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                    // lost: counted as queries not answered
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A response as read off the wire. */
    private record Response(int status, Map<String, String> headers, byte[] body, boolean close) {}

    /** A kept-alive client connection. */
    private static final class Connection {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Connection(InetSocketAddress address) throws IOException {
            try {
                socket.connect(address, 5000);
                socket.setSoTimeout(READ_TIMEOUT_MS);
                socket.setTcpNoDelay(true);
                in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
                out = socket.getOutputStream();
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        Response read(boolean head) throws IOException {
            String statusLine = line(in);
            while (statusLine.isEmpty()) {
                statusLine = line(in);
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new HashMap<>();
            boolean close = statusLine.startsWith("HTTP/1.0");
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                headers.putIfAbsent(name, value);
                if (name.equals("connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            byte[] body;
            if (head || status == 304 || status == 204 || status / 100 == 1) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream chunks = new ByteArrayOutputStream();
                for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
                    chunks.write(in.readNBytes(size));
                    line(in);
                }
                for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                    // trailers: none expected
                }
                body = chunks.toByteArray();
            } else if (headers.containsKey("content-length")) {
                int length = Integer.parseInt(headers.get("content-length"));
                body = in.readNBytes(length);
                if (body.length < length) {
                    throw new EOFException("closed after " + body.length + " of " + length + " bytes");
                }
            } else {
                body = in.readAllBytes();
                close = true;
            }
            return new Response(status, headers, body, close);
        }

        private static int chunkSize(String line) {
            int semicolon = line.indexOf(';');
            return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new EOFException("closed mid-response");
                }
                line.append((char) b);
            }
            int end = line.length();
            return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
