package sibyl.node.soak;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plain SVG line chart of the samples, one panel per series stacked over a shared time axis:
 * the warm-up third shaded, each verdict's allowed maximum drawn dashed over the last third.
 * Written by hand so that a run needs nothing beyond the JDK to be looked at.
 */
final class SvgChart {
    private static final int WIDTH = 960;
    private static final int PANEL = 150;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 75;
    private static final int GAP = 45;

    private SvgChart() {}

    static String render(String title, String subtitle, List<ProcessSampler.Sample> samples, Map<String, String> labels,
            List<Flatness.Verdict> verdicts) {
        List<String> columns = List.copyOf(labels.keySet());
        int height = TOP + columns.size() * (PANEL + GAP) + 20;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", WIDTH, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(WIDTH / 2.0, 22, "middle", 15, escape(title)));
        svg.append(text(WIDTH / 2.0, 38, "middle", 11, escape(subtitle)));
        svg.append(text(WIDTH / 2.0, 54, "middle", 11, "shaded: warm-up (first third); dashed: the most the last third may reach to be flat"));
        double end = samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).seconds());
        boolean minutes = end > 600;
        double plotWidth = WIDTH - LEFT - RIGHT;
        for (int p = 0; p < columns.size(); p++) {
            String column = columns.get(p);
            double y0 = TOP + p * (PANEL + GAP);
            Flatness.Verdict verdict = verdicts.stream().filter(v -> v.column().equals(column)).findFirst().orElse(null);
            double max = 0;
            for (ProcessSampler.Sample sample : samples) {
                double value = sample.values().get(column);
                if (!Double.isNaN(value)) {
                    max = Math.max(max, value);
                }
            }
            if (verdict != null && !Double.isNaN(verdict.allowed())) {
                max = Math.max(max, verdict.allowed());
            }
            double step = niceStep(max <= 0 ? 1 : max / 4);
            double top = Math.max(step, Math.ceil(max / step) * step);
            String heading = labels.get(column);
            if (verdict != null) {
                heading += verdict.flat() ? "  (flat)" : "  (GREW: last third " + format(verdict.lastMax()) + " > "
                        + format(verdict.allowed()) + ")";
            }
            svg.append(text(LEFT, y0 - 8, "start", 12, escape(heading)));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#eeeeee\"/>\n",
                    LEFT, y0, plotWidth / 3, PANEL));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
                    LEFT, y0, plotWidth, PANEL));
            for (double tick = 0; tick <= top + step / 2; tick += step) {
                double y = y0 + PANEL - tick / top * PANEL;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                        LEFT, y, WIDTH - RIGHT, y));
                svg.append(text(LEFT - 6, y + 4, "end", 10, format(tick)));
            }
            double xStep = niceStep((minutes ? end / 60 : end) / 8);
            for (double tick = 0; tick <= (minutes ? end / 60 : end) + 1e-9; tick += xStep) {
                double x = LEFT + (minutes ? tick * 60 : tick) / end * plotWidth;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n",
                        x, y0 + PANEL, x, y0 + PANEL + 4));
                svg.append(text(x, y0 + PANEL + 15, "middle", 10, format(tick)));
            }
            svg.append(text(WIDTH - RIGHT, y0 + PANEL + 28, "end", 10, minutes ? "time (minutes)" : "time (seconds)"));
            if (verdict != null && !Double.isNaN(verdict.allowed())) {
                double y = y0 + PANEL - verdict.allowed() / top * PANEL;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c00\" "
                        + "stroke-dasharray=\"5,4\"/>\n", LEFT + plotWidth * 2 / 3, y, WIDTH - RIGHT, y));
            }
            StringBuilder points = new StringBuilder();
            for (ProcessSampler.Sample sample : samples) {
                double value = sample.values().get(column);
                if (Double.isNaN(value)) {
                    if (points.length() > 0) {
                        svg.append(polyline(points));
                        points.setLength(0);
                    }
                    continue;
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + sample.seconds() / end * plotWidth,
                        y0 + PANEL - value / top * PANEL));
            }
            if (points.length() > 0) {
                svg.append(polyline(points));
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static String polyline(StringBuilder points) {
        return "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.2\" points=\"" + points.toString().trim() + "\"/>\n";
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= raw) {
                return m * power;
            }
        }
        return 10 * power;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String text(double x, double y, String anchor, int size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>\n",
                x, y, anchor, size, content);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
