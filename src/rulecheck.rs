//! `akscan rules check`: every rule's examples must yield a finding of that rule (with
//! the stated value, when an example states one) and its negative examples must not,
//! through the whole scanner a user runs. The built-in rules are checked by the same code
//! in the test suite.

use crate::detect::rules::{Rule, RuleSet};
use crate::finding::Finding;
use crate::scan::Scanner;

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The rule's id.
    pub rule: String,
    /// Where the rule is defined (`FILE:LINE`).
    pub origin: String,
    /// What went wrong, naming the example by its number; never the example's text (it
    /// may hold a real key) nor a value found in it.
    pub problem: String,
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The rules checked, with their numbers of examples and negative examples.
    pub rules: Vec<(String, usize, usize)>,
    pub failures: Vec<Failure>,
}

/// Checks the rules of `set` at the indices `which`, scanning each example with a scanner
/// of the whole set (a rule's examples may lean on other rules, as partners do).
pub fn check(set: &RuleSet, which: &[usize]) -> Report {
    let scanner = Scanner::new(set.clone());
    let mut report = Report::default();
    for &i in which {
        let rule = &set.rules[i];
        report.rules.push((
            rule.id.clone(),
            rule.examples.len(),
            rule.negative_examples.len(),
        ));
        report.failures.extend(check_rule(&scanner, rule));
    }
    report
}

fn check_rule(scanner: &Scanner, rule: &Rule) -> Vec<Failure> {
    let fail = |problem: String| Failure {
        rule: rule.id.clone(),
        origin: rule.origin.clone(),
        problem,
    };
    let mine = |found: &[Finding]| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.rule_id == rule.id)
            .map(|f| f.secret.expose().to_string())
            .collect()
    };
    let others = |found: &[Finding]| -> String {
        let mut ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        match ids.is_empty() {
            true => "nothing found".into(),
            false => format!("found only {}", ids.join(", ")),
        }
    };
    let mut out = Vec::new();
    let n = rule.examples.len();
    for (k, ex) in rule.examples.iter().enumerate() {
        let found = scanner.scan_bytes("example", ex.text().as_bytes());
        let values = mine(&found);
        if values.is_empty() {
            out.push(fail(format!(
                "example {} of {n} yields no finding of the rule ({})",
                k + 1,
                others(&found)
            )));
        } else if let Some(want) = ex.value() {
            if !values.iter().any(|v| v == want) {
                out.push(fail(format!(
                    "example {} of {n} yields {} finding(s) of the rule, none with the stated value",
                    k + 1,
                    values.len()
                )));
            }
        }
    }
    let n = rule.negative_examples.len();
    for (k, ex) in rule.negative_examples.iter().enumerate() {
        let found = scanner.scan_bytes("example", ex.as_bytes());
        let values = mine(&found);
        if !values.is_empty() {
            out.push(fail(format!(
                "negative example {} of {n} yields {} finding(s) of the rule",
                k + 1,
                values.len()
            )));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_pass_their_own_check() {
        let set = RuleSet::builtin().unwrap();
        let all: Vec<usize> = (0..set.rules.len()).collect();
        let r = check(&set, &all);
        assert_eq!(r.rules.len(), set.rules.len());
        let examples: usize = r.rules.iter().map(|x| x.1 + x.2).sum();
        assert!(examples > 20, "{examples} examples");
        assert!(r.failures.is_empty(), "{:#?}", r.failures);
    }

    #[test]
    fn a_broken_example_fails_naming_its_rule() {
        let mut set = RuleSet::builtin().unwrap();
        let first = set.rules.len();
        set.add_text(
            "mine.toml",
            r#"
[[rule]]
id = "dashscope-api-key"
kind = "other"
name = "DashScope API key"
description = "Model Studio key"
severity = "high"
regex = 'sk-[0-9a-f]{32}'
keywords = ["sk-"]
charset = "any"
examples = [
  "key = 'sk-0123456789abcdef0123456789abcdef'",
  { text = "key = 'sk-0123456789abcdef0123456789abcdef'", value = "sk-0123456789abcdef0123456789abcdee" },
  "key = 'sk-0123'",
]
negative_examples = ["key = 'sk-0123456789abcdef0123456789abcdef'", "nothing here"]
"#,
        )
        .unwrap();
        let which: Vec<usize> = (first..set.rules.len()).collect();
        let r = check(&set, &which);
        let problems: Vec<&str> = r.failures.iter().map(|f| f.problem.as_str()).collect();
        assert_eq!(
            problems,
            [
                "example 2 of 3 yields 1 finding(s) of the rule, none with the stated value",
                "example 3 of 3 yields no finding of the rule (nothing found)",
                "negative example 1 of 2 yields 1 finding(s) of the rule",
            ]
        );
        assert!(r.failures.iter().all(|f| f.rule == "dashscope-api-key"));
        assert!(
            r.failures[0].origin.starts_with("mine.toml:"),
            "{:?}",
            r.failures[0]
        );
    }
}
