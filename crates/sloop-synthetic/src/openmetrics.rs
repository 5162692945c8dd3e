//! The OpenMetrics text exposition of a scenario, for backfilling.

use std::io::{self, Write};

use super::latency::le_label;
use super::{MINUTE, Scenario};

/// Bytes collected before each write to the underlying writer.
const CHUNK: usize = 256 * 1024;

impl Scenario {
    /// Writes every series' counter samples as OpenMetrics text, the input
    /// of `promtool tsdb create-blocks-from openmetrics`:
    ///
    /// ```text
    /// # TYPE http_requests counter
    /// http_requests_total{job="checkout",pod="checkout-0",code="200"} 0 1709251200
    /// http_requests_total{job="checkout",pod="checkout-0",code="200"} 5812 1709251260
    /// ...
    /// # EOF
    /// ```
    ///
    /// One metric family (`# TYPE` names the family, samples carry the
    /// `_total` suffix), all samples of a series together in increasing time
    /// order (OpenMetrics forbids interleaving metrics), series in
    /// [`Scenario::series`] order, integer values and unix-second
    /// timestamps, and the mandatory final `# EOF`. Label values are
    /// escaped (`\\`, `\"`, `\n`).
    ///
    /// Groups with latency buckets add a second family,
    /// `# TYPE http_request_duration_seconds histogram`, with per pod and
    /// mark the `_bucket{job, pod, le}` samples in increasing `le` (ending
    /// with `+Inf`), then `_count` and `_sum` (seconds, six decimals): a
    /// MetricPoint's samples together, as OpenMetrics requires.
    ///
    /// The output is built in large chunks without an allocation per line,
    /// so `writer` need not be buffered; 31 days × 250 series (11 M lines,
    /// about 0.9 GB) stream through in seconds.
    pub fn to_openmetrics<W: Write>(&self, mut writer: W) -> io::Result<()> {
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        buf.extend_from_slice(b"# TYPE http_requests counter\n");
        // Every series has a sample at each mark: render the timestamps once.
        let mut stamps = Vec::with_capacity(self.minutes() + 1);
        for k in 0..=self.minutes() {
            let mut s = Vec::with_capacity(12);
            push_i64(&mut s, self.start() + k as i64 * MINUTE);
            stamps.push(s);
        }
        let groups = self.groups_internal();
        let mut histogram_typed = false;
        for series in self.series() {
            let mut prefix = b"http_requests_total{job=\"".to_vec();
            push_escaped(&mut prefix, &series.job);
            prefix.extend_from_slice(b"\",pod=\"");
            push_escaped(&mut prefix, &series.pod);
            prefix.extend_from_slice(b"\",code=\"");
            push_escaped(&mut prefix, &series.code);
            prefix.extend_from_slice(b"\"} ");
            let group = &groups[series.group];
            let values = group.counter_values(series.pod_index, series.code_index, self.minutes());
            for (value, stamp) in values.zip(&stamps) {
                buf.extend_from_slice(&prefix);
                push_u64(&mut buf, value);
                buf.push(b' ');
                buf.extend_from_slice(stamp);
                buf.push(b'\n');
                if buf.len() >= CHUNK {
                    writer.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
        for g in groups.iter().filter(|g| !g.spec.latency.is_empty()) {
            if !std::mem::replace(&mut histogram_typed, true) {
                buf.extend_from_slice(b"# TYPE http_request_duration_seconds histogram\n");
            }
            for pod in 0..g.spec.pods {
                let mut labels = b"{job=\"".to_vec();
                push_escaped(&mut labels, &g.spec.job);
                labels.extend_from_slice(b"\",pod=\"");
                push_escaped(&mut labels, &format!("{}-{pod}", g.spec.job));
                labels.push(b'"');
                let les = g.spec.latency.iter().map(|b| le_label(b.0)).chain(["+Inf".to_owned()]);
                let bucket_prefixes: Vec<Vec<u8>> = les
                    .map(|le| {
                        let mut p = b"http_request_duration_seconds_bucket".to_vec();
                        p.extend_from_slice(&labels);
                        p.extend_from_slice(format!(",le=\"{le}\"}} ").as_bytes());
                        p
                    })
                    .collect();
                let count_prefix = [b"http_request_duration_seconds_count".as_slice(), &labels, b"} "].concat();
                let sum_prefix = [b"http_request_duration_seconds_sum".as_slice(), &labels, b"} "].concat();
                let h = g.latency_counters(pod, self.minutes());
                for (k, stamp) in stamps.iter().enumerate() {
                    let mut line = |prefix: &[u8], value: &dyn Fn(&mut Vec<u8>)| {
                        buf.extend_from_slice(prefix);
                        value(&mut buf);
                        buf.push(b' ');
                        buf.extend_from_slice(stamp);
                        buf.push(b'\n');
                    };
                    for (prefix, bucket) in bucket_prefixes.iter().zip(&h.buckets) {
                        line(prefix, &|b| push_u64(b, bucket[k]));
                    }
                    let count = h.buckets[h.buckets.len() - 1][k];
                    line(&count_prefix, &|b| push_u64(b, count));
                    line(&sum_prefix, &|b| push_seconds(b, h.sum_micros[k]));
                    if buf.len() >= CHUNK {
                        writer.write_all(&buf)?;
                        buf.clear();
                    }
                }
            }
        }
        buf.extend_from_slice(b"# EOF\n");
        writer.write_all(&buf)?;
        writer.flush()
    }
}

/// Appends the decimal digits of `v` (itoa: no allocation, no formatter on this hot path).
fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `micros` millionths as a decimal with six places: `12.000345`.
fn push_seconds(out: &mut Vec<u8>, micros: u64) {
    push_u64(out, micros / 1_000_000);
    let frac = micros % 1_000_000;
    let mut digits = [b'0'; 6];
    let mut rest = frac;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.push(b'.');
    out.extend_from_slice(&digits);
}

/// Appends `v` in decimal, with a `-` when negative.
fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Appends a label value escaped as OpenMetrics requires.
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_escapes_render_exactly() {
        let mut out = Vec::new();
        for v in [0, 7, 10, 1_709_251_200, u64::MAX] {
            push_u64(&mut out, v);
            out.push(b' ');
        }
        push_i64(&mut out, -60);
        out.push(b' ');
        push_escaped(&mut out, "a\\b\"c\nd");
        out.push(b' ');
        for micros in [0, 345, 12_000_345, 7_000_000] {
            push_seconds(&mut out, micros);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 7 10 1709251200 18446744073709551615 -60 a\\\\b\\\"c\\nd 0.000000 0.000345 12.000345 7.000000 "
        );
    }
}
