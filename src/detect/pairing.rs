//! Pairing: how far a candidate value is from a partner finding (lines, then bytes), by
//! which `Detector::run_rule` pairs each value with the nearest partner in reach; and the
//! final order of the detections, with partner indices rewritten to match.

use super::lines::Lines;
use super::rules;
use super::Detection;

/// How far a partner at `ps..pe` is from a value at `s..e`: lines between them, then bytes.
pub(super) fn gap(lines: &Lines, s: usize, e: usize, ps: usize, pe: usize) -> (usize, usize) {
    if ps >= e {
        (lines.count(e, ps), ps - e)
    } else if s >= pe {
        (lines.count(pe, s), s - pe)
    } else {
        (0, 0)
    }
}

/// [`pair_distance`] below this: the partner is on the value's line or the next or
/// previous one.
pub(super) const PAIR_ADJACENT: usize = 4 << 20;
/// [`pair_distance`] below this: the partner is on the value's line.
pub(super) const PAIR_SAME_LINE: usize = 2 << 20;

/// How far a candidate is from a partner, or None when outside the partner window.
/// Same line after the partner is nearest; then same line before; then lines below
/// (two steps per line), then lines above. Within a step, fewer bytes between is nearer.
pub(super) fn pair_distance(
    lines: &Lines,
    cs: usize,
    ce: usize,
    ps: usize,
    pe: usize,
    w: &rules::WindowSpec,
) -> Option<usize> {
    let max = w.max_bytes as usize;
    let (gap, lines, before) = if cs >= pe {
        let gap = cs - pe;
        if gap > max {
            return None;
        }
        let lines = lines.count(pe, cs);
        if lines > w.lines_after as usize {
            return None;
        }
        (gap, lines, false)
    } else if ce <= ps {
        let gap = ps - ce;
        if gap > max {
            return None;
        }
        let lines = lines.count(ce, ps);
        if lines > w.lines_before as usize {
            return None;
        }
        (gap, lines, true)
    } else {
        return None;
    };
    let step = 2 * lines + before as usize;
    Some(step * (1 << 20) + gap.min((1 << 20) - 1))
}

/// Sorts detections by position and rewrites partner indices to match. In place: each
/// detection is moved once, straight to where it goes.
pub fn sort_detections(mut dets: Vec<Detection>) -> Vec<Detection> {
    let key = |d: &Detection| (d.start, d.end, d.rule);
    if dets.is_sorted_by_key(key) {
        return dets;
    }
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by_key(|&i| key(&dets[i]));
    let mut new_pos = vec![0; dets.len()];
    for (new, &old) in order.iter().enumerate() {
        new_pos[old] = new;
    }
    for d in dets.iter_mut() {
        d.partner = d.partner.map(|p| new_pos[p]);
    }
    // the detection at `i` belongs at `new_pos[i]`: swap it there, and go on with the
    // one that comes back, until `i` holds its own
    for i in 0..dets.len() {
        while new_pos[i] != i {
            let j = new_pos[i];
            dets.swap(i, j);
            new_pos.swap(i, j);
        }
    }
    dets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::test_rng;
    use crate::detect::testutil::{detector, found};

    #[test]
    fn pairs_link_both_ways() {
        let d = detector();
        let text = b"client = AcsClient('LTAI5tQ8bFz2KcVw9YhN3xRm', 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e', 'cn-hangzhou')";
        let dets = sort_detections(d.detect(text));
        assert_eq!(dets.len(), 2);
        assert_eq!(dets[0].partner, Some(1));
        assert_eq!(dets[1].partner, Some(0));
    }

    #[test]
    fn nearest_partner_wins() {
        let text = "ak_id = \"LTAI5tXoLmL55eOSHpSDZK80\"\nak_secret = \"lADqy3y6KrwZiM1PTAsSC4m8wwztjJ\"\n\nnew_ak = \"LTAIvaa9AO57ulU7hxoVfhLI\"\nsk = \"TbYYwT26FP77KyPWn0B4C63GxkgZs9\"\n";
        let d = detector();
        let dets = sort_detections(d.detect(text.as_bytes()));
        assert_eq!(dets.len(), 4);
        assert_eq!(dets[0].partner, Some(1));
        assert_eq!(dets[2].partner, Some(3));
    }

    /// The values `found` reports as long-term AccessKey secrets.
    fn secrets(text: &str) -> Vec<String> {
        found(text)
            .into_iter()
            .filter(|(r, _)| r == "alibaba-access-key-secret")
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn other_kinds_of_secret_need_an_id_of_their_own() {
        // `password` next to an ID is its secret; once a properly named secret has taken
        // the ID, the password is a password
        let id = "access_key_id = 'LTAI5tQ8bFz2KcVw9YhN3xRm'\n";
        let pw = "password = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n";
        let named = "access_key_secret = 'Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0'\n";
        assert_eq!(
            secrets(&format!("{id}{pw}")),
            ["Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"]
        );
        assert!(secrets(pw).is_empty());
        assert_eq!(
            secrets(&format!("{named}{id}{pw}")),
            ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]
        );
        assert_eq!(
            secrets(&format!("{id}{pw}{named}")),
            ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]
        );
    }

    #[test]
    fn a_value_beside_its_id_keeps_it_from_a_named_secret_further_away() {
        // rows of pairs, then a named secret of its own a line or two below
        let sql = "INSERT INTO accounts VALUES\n\
                   ('prod', 'LTAI5tskNhVla1ST9rJqL46k', '99Vm0wzFKPHSt15rTAvr9ZWa5FnDPj'),\n\
                   ('stage', 'LTAI5tc3tl650whuGMRfq3Qi', 'sVz9suhZKUeDkDWy5GCtSylOQj5P2y');\n\
                   UPDATE settings SET value = 'lfAfRMgGOK8Akoej7YqBgW1D1CWqWs' WHERE name = 'accessKeySecret';\n";
        assert_eq!(secrets(sql).len(), 3, "{:?}", found(sql));
        let xml = "<constructor-arg index=\"1\" value=\"LTAI5tOoO8rQLi1oxKQQn3yP\"/>\n\
                   <constructor-arg index=\"2\" value=\"DvZohX2FSEZVLLgzTGZBlomqn9DkCB\"/>\n\
                   </bean>\n\
                   <property name=\"accessKeySecret\" value=\"Z8qlZpCRCcGf4w2dfMnzYQLH7wxsL7\"/>\n";
        assert_eq!(secrets(xml).len(), 2, "{:?}", found(xml));
        // an unnamed value on the next line gives way to a named secret further down
        let go = "id := \"LTAI5t0hIqNdzemIZVGLRNQr\"\n\
                  log.Printf(\"using %s req=%s\", id, \"5FZvZHlhQ2sLk8VtR3mWx9PbN4cJ7d\")\n\
                  secret := \"lE2SiRsu7KpWq4Xn9TzV3bMc8YhJ6f\"\n";
        assert_eq!(
            secrets(go),
            ["lE2SiRsu7KpWq4Xn9TzV3bMc8YhJ6f"],
            "{:?}",
            found(go)
        );
        // a value with a name of its own that says nothing still gives way
        let named = "access_key_id = 'LTAI5tQ8bFz2KcVw9YhN3xRm'\n\
                     x = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n\
                     access_key_secret = 'Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0'\n";
        assert_eq!(secrets(named), ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]);
    }

    #[test]
    fn an_sts_secret_stays_with_its_sts_id() {
        let d = detector();
        let text = "init accessKeyId=LTAI5tSH5IzCq1mmGQXOr9HF\n\
                    connected\n\
                    assuming role\n\
                    {\"AccessKeyId\":\"STS.NYZltDUyL8MfA6Q7EUbu1hy7vziZ\",\"AccessKeySecret\":\"k4Hu3wQZVudLeSTMeiOlalOp8squcU\"}\n";
        let dets = sort_detections(d.detect(text.as_bytes()));
        let rule = |i: usize| d.rules().rules[dets[i].rule].id.as_str();
        assert_eq!(dets.len(), 3, "{dets:?}");
        assert_eq!(rule(1), "alibaba-sts-access-key-id");
        assert_eq!(rule(2), "alibaba-sts-access-key-secret");
        assert_eq!(dets[2].partner, Some(1));
        assert_eq!(dets[1].partner, Some(2));
        assert_eq!(dets[0].partner, None);
    }

    #[test]
    fn sorting_keeps_every_detection_and_its_partner() {
        let mut rng = test_rng(7);
        for n in [0, 1, 2, 3, 10, 257] {
            let mut dets: Vec<Detection> = (0..n)
                .map(|i| Detection {
                    rule: rng() % 3,
                    start: rng() % 50,
                    end: 60 + i, // distinct: each detection is told apart by its end
                    partner: None,
                    name: None,
                })
                .collect();
            for d in dets.iter_mut() {
                if rng().is_multiple_of(2) {
                    d.partner = Some(rng() % n);
                }
            }
            // the partner of each, by its end
            let want: Vec<(usize, usize, usize, Option<usize>)> = {
                let mut v: Vec<_> = dets
                    .iter()
                    .map(|d| (d.start, d.end, d.rule, d.partner.map(|p| dets[p].end)))
                    .collect();
                v.sort();
                v
            };
            let sorted = sort_detections(dets);
            let got: Vec<_> = sorted
                .iter()
                .map(|d| (d.start, d.end, d.rule, d.partner.map(|p| sorted[p].end)))
                .collect();
            assert_eq!(got, want, "{n} detections");
        }
    }
}
