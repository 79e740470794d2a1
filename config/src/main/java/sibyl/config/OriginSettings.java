package sibyl.config;

import java.time.Duration;

/** How the node talks to origins; see {@code reference.conf}. */
public record OriginSettings(Duration connectTimeout, Duration readTimeout, int maxConnections,
        Duration acquireTimeout) {}
