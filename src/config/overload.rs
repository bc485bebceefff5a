//! The config's `overload` section: when `chronus play` starts shedding work and when it
//! gives it back (docs/CONTRACTS.md §4.6), checked with positions. The limits are
//! [`OverloadLimits`], read by the overload governor (`realtime::overload`).
//!
//! ```ron
//! overload: (dsp_load: 0.85, xruns_per_minute: 5, shed_after: 1.0, restore_after: 10.0),
//! ```

use super::ConfigError;
use crate::patch::{RonTree, Step};
use crate::realtime::overload::OverloadLimits;

/// Every error of the section, positioned in `tree`.
pub fn check(limits: &OverloadLimits, tree: &RonTree) -> Vec<ConfigError> {
    limits
        .problems()
        .into_iter()
        .map(|(field, message, hint)| {
            let pos = tree
                .find(&[Step::Field("overload"), Step::Field(field)])
                .or_else(|| tree.find(&[Step::Field("overload")]));
            ConfigError::new(pos, message, Some(hint.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::parse;
    use crate::patch::RonTree;

    fn errors(text: &str) -> Vec<String> {
        let config = parse(text, Some("c.ron")).unwrap();
        super::check(&config.overload, &RonTree::scan(text))
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn limits_load_and_bad_values_are_positioned() {
        let ok = "(overload: (dsp_load: 0.85, xruns_per_minute: 5))";
        assert!(errors(ok).is_empty(), "{:?}", errors(ok));
        let c = parse("(overload: (dsp_load: 0.5, restore_after: 3.0))", None).unwrap();
        assert_eq!(c.overload.dsp_load, 0.5);
        assert_eq!(c.overload.xruns_per_minute, 5, "the default");
        assert_eq!(c.overload.restore_after, 3.0);
        let bad = "(\n  overload: (\n    dsp_load: 1.5,\n    xruns_per_minute: 0,\n    shed_after: 0.0,\n  ),\n)";
        let e = errors(bad);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("4:23: xruns_per_minute 0 is out of range; 1 <="),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("5:17: shed_after 0 is out of range; seconds"),
            "{e:?}"
        );
        let unknown = parse("(overload: (dsp_lod: 0.9))", Some("c.ron")).unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("unknown field `dsp_lod`; did you mean `dsp_load`?"),
            "{unknown}"
        );
    }
}
