//! The classic Prometheus text format (0.0.4), for scrapers that do not ask for OpenMetrics
//! (curl, `promtool check metrics`, older agents). The two differ only in a counter's family
//! name (`x` in OpenMetrics, `x_total` in the classic format's HELP and TYPE lines), the
//! `# UNIT` lines and the closing `# EOF`; samples are written alike.

/// The content type of the classic format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `openmetrics` (as [`super::Metrics::render_with`] writes it) in the classic format.
pub fn from_openmetrics(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    let lines: Vec<&str> = openmetrics.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("# UNIT ") || *line == "# EOF" {
            continue;
        }
        let renamed = line
            .strip_prefix("# HELP ")
            .map(|rest| ("# HELP ", rest))
            .or_else(|| line.strip_prefix("# TYPE ").map(|rest| ("# TYPE ", rest)));
        match renamed {
            Some((tag, rest)) => {
                let name = rest.split(' ').next().unwrap_or_default();
                if is_counter(&lines[i..], name) {
                    out.push_str(tag);
                    out.push_str(name);
                    out.push_str("_total");
                    out.push_str(&rest[name.len()..]);
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Whether the family `name`, whose header starts `rest`, is a counter: its TYPE line (at or
/// right after its HELP line) says so.
fn is_counter(rest: &[&str], name: &str) -> bool {
    let typed = format!("# TYPE {name} counter");
    rest.iter().take(2).any(|l| *l == typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_renamed_and_openmetrics_lines_dropped() {
        let om = "# HELP a_things Things.\n# TYPE a_things counter\na_things_total{x=\"1\"} 2\n\
                  # HELP b_seconds Time.\n# TYPE b_seconds gauge\n# UNIT b_seconds seconds\n\
                  b_seconds 1.5\n# EOF\n";
        assert_eq!(
            from_openmetrics(om),
            "# HELP a_things_total Things.\n# TYPE a_things_total counter\n\
             a_things_total{x=\"1\"} 2\n# HELP b_seconds Time.\n# TYPE b_seconds gauge\n\
             b_seconds 1.5\n"
        );
    }

    /// What the registry writes, read back: every sample kept, every counter's header named
    /// as its samples are, nothing OpenMetrics-only left.
    #[test]
    fn the_registrys_own_text_converts() {
        let m = crate::metrics::Metrics::new();
        m.tool_called("check_access", crate::metrics::Caller::Agent, "ok");
        m.http_answered("/v1/tools/{name}", "POST", 200, 0.002);
        let om = m.render_with(None, 0);
        let classic = from_openmetrics(&om);
        let samples = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(samples(&om), samples(&classic));
        assert!(
            classic.contains("# TYPE warden_tool_calls_total counter"),
            "{classic}"
        );
        assert!(classic.contains("# TYPE warden_http_request_duration_seconds histogram"));
        assert!(
            !classic.contains("# EOF") && !classic.contains("# UNIT"),
            "{classic}"
        );
    }
}
