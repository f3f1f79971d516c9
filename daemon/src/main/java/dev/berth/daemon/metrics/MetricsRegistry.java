package dev.berth.daemon.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Counters, histograms and sampled gauges in the Prometheus text format (version 0.0.4). Own code
 * rather than a client library: berthd needs three metric kinds and one output format.
 */
public final class MetricsRegistry {
    private interface Family {
        void write(StringBuilder out);
    }

    private final List<Family> families = new ArrayList<>();

    /** A counter per combination of label values. */
    public final class Counter implements Family {
        private final String name;
        private final String[] labelNames;
        private final ConcurrentMap<List<String>, DoubleAdder> children = new ConcurrentHashMap<>();

        private Counter(String name, String[] labelNames) {
            this.name = name;
            this.labelNames = labelNames;
            if (labelNames.length == 0) {
                // A counter without labels exists from the start: "0 OOM kills" is an answer, absence is not.
                children.put(List.of(), new DoubleAdder());
            }
        }

        public void inc(double amount, String... labelValues) {
            children.computeIfAbsent(List.of(labelValues), k -> new DoubleAdder()).add(amount);
        }

        @Override
        public void write(StringBuilder out) {
            children.forEach((labels, v) -> sample(out, name, labelNames, labels, null, v.sum()));
        }
    }

    /** Cumulative buckets, sum and count per combination of label values. */
    public final class Histogram implements Family {
        private final String name;
        private final String[] labelNames;
        private final double[] bounds;
        private final ConcurrentMap<List<String>, Series> children = new ConcurrentHashMap<>();

        private final class Series {
            final LongAdder[] buckets = new LongAdder[bounds.length];
            final LongAdder count = new LongAdder();
            final DoubleAdder sum = new DoubleAdder();

            Series() {
                Arrays.setAll(buckets, i -> new LongAdder());
            }
        }

        private Histogram(String name, String[] labelNames, double[] bounds) {
            this.name = name;
            this.labelNames = labelNames;
            this.bounds = bounds.clone();
        }

        public void observe(double value, String... labelValues) {
            Series s = children.computeIfAbsent(List.of(labelValues), k -> new Series());
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    s.buckets[i].increment();
                    break;
                }
            }
            s.count.increment();
            s.sum.add(value);
        }

        @Override
        public void write(StringBuilder out) {
            children.forEach((labels, s) -> {
                long cumulative = 0;
                for (int i = 0; i < bounds.length; i++) {
                    cumulative += s.buckets[i].sum();
                    sample(out, name + "_bucket", labelNames, labels, "le=\"" + format(bounds[i]) + "\"", cumulative);
                }
                long count = s.count.sum();
                sample(out, name + "_bucket", labelNames, labels, "le=\"+Inf\"", count);
                sample(out, name + "_sum", labelNames, labels, null, s.sum.sum());
                sample(out, name + "_count", labelNames, labels, null, count);
            });
        }
    }

    public synchronized Counter counter(String name, String help, String... labelNames) {
        Counter c = new Counter(name, labelNames);
        register(name, help, "counter", c);
        return c;
    }

    public synchronized Histogram histogram(String name, String help, double[] bounds, String... labelNames) {
        Histogram h = new Histogram(name, labelNames, bounds);
        register(name, help, "histogram", h);
        return h;
    }

    /** A gauge sampled at each scrape: one value per value of its single label. */
    public synchronized void gauge(String name, String help, String labelName,
            Supplier<Map<String, ? extends Number>> sample) {
        String[] labelNames = {labelName};
        register(name, help, "gauge", out -> sample.get().forEach((label, v) ->
                sample(out, name, labelNames, List.of(label), null, v.doubleValue())));
    }

    /** A gauge without labels, sampled at each scrape. */
    public synchronized void gauge(String name, String help, Supplier<? extends Number> sample) {
        register(name, help, "gauge", out -> sample(out, name, new String[0], List.of(), null,
                sample.get().doubleValue()));
    }

    private void register(String name, String help, String type, Family family) {
        families.add(out -> {
            out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                    .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
            family.write(out);
        });
    }

    public String scrape() {
        StringBuilder out = new StringBuilder();
        List<Family> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(families);
        }
        snapshot.forEach(f -> f.write(out));
        return out.toString();
    }

    private static void sample(StringBuilder out, String name, String[] labelNames, List<String> labelValues,
            String extra, double value) {
        out.append(name);
        if (labelNames.length > 0 || extra != null) {
            out.append('{');
            for (int i = 0; i < labelNames.length; i++) {
                out.append(i > 0 ? "," : "").append(labelNames[i]).append("=\"").append(escape(labelValues.get(i)))
                        .append('"');
            }
            if (extra != null) {
                out.append(labelNames.length > 0 ? "," : "").append(extra);
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String format(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
