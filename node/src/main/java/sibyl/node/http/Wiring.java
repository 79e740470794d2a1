package sibyl.node.http;

import sibyl.config.HttpSettings;

/**
 * What a new client connection's pipeline is built with, swapped whole by a reload: the client
 * front (its bounds) and the admission rules (access lists, accelerator map, rule files). A
 * connection reads it once, when it is made, and keeps it: a reload never changes the rules
 * under a request in progress.
 */
final class Wiring {
    /** One consistent set, as a connection reads it. */
    record Current(ClientFront front, Admission.Settings admission) {}

    private volatile Current current;

    Wiring(ClientFront front, HttpSettings settings, UrlRules drop, UrlRules nocache) {
        current = new Current(front, admission(settings, drop, nocache));
    }

    Current current() {
        return current;
    }

    /** Connections made from now on get {@code next}'s bounds and rules; the counts stay shared. */
    synchronized void reconfigure(HttpSettings next, UrlRules drop, UrlRules nocache) {
        current = new Current(current.front().with(next.limits()), admission(next, drop, nocache));
    }

    private static Admission.Settings admission(HttpSettings settings, UrlRules drop, UrlRules nocache) {
        return new Admission.Settings(settings.allow(), settings.purgeAllow(), settings.accelerate(), drop, nocache);
    }
}
