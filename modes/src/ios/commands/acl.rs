//! Access lists: numbered `access-list` (standard, extended, `remark`) and
//! `ip access-list extended` with its entries.

use super::*;

/// `permit|deny PROTO SRC [WILD] DST [WILD] [eq PORT]`: checked by the ACL parser.
pub(super) fn acl_entry(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let rest = a.get("LINE").unwrap_or("");
    checked(s, a, rest, o)?;
    let text = super::super::acl_check::masked(&canon(a));
    let Some(seq) = a.get("number").and_then(|n| n.parse::<u32>().ok()) else {
        // Without a number: the highest so far plus 10, at the end.
        set_line(s, "", &text);
        return Ok(());
    };
    // A numbered entry goes where its number puts it (before the remarks of
    // the next entry); a number an entry has is refused. A numbered remark
    // shares its entry's number (IOS-XE prints `10 remark ...` then `10
    // permit ...`): only another entry is a duplicate.
    let placed = super::super::modes_tree::with_current(s, |list| {
        let seqs = pin_sequence_numbers(list);
        if seqs.contains(&Some(seq)) {
            return false;
        }
        let Some(mut at) = seqs.iter().position(|n| n.is_some_and(|n| n > seq)) else {
            if !list.iter().any(|n| n.text == text) {
                list.push(crate::cisco_doc::Node { text: text.clone(), ..Default::default() });
            }
            return true;
        };
        while at > 0 && list[at - 1].text.split_whitespace().find(|w| w.parse::<u32>().is_err()) == Some("remark") {
            at -= 1;
        }
        if !list.iter().any(|n| n.text == text) {
            list.insert(at, crate::cisco_doc::Node { text: text.clone(), ..Default::default() });
        }
        true
    });
    match placed {
        Some(false) => Err("Duplicate sequence number".into()),
        _ => Ok(()),
    }
}

/// `ip access-list resequence NAME START STEP`: the named list's entries
/// numbered START, START+STEP, ... in their order (an action, not a line of
/// the configuration; no such list: nothing happens).
fn resequence(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let name = a.req("WORD")?;
    let start = a.num("start").unwrap_or(10);
    let step = a.num("step").unwrap_or(10);
    let mut r = s.router();
    let Some(n) = r.ios_doc.root.iter_mut().find(|n| {
        matches!(n.text.split_whitespace().collect::<Vec<_>>().as_slice(), ["ip", "access-list", "extended" | "standard", x] if *x == name)
    }) else {
        return Ok(());
    };
    let seqs = super::super::show_acl::sequence_numbers(n.children.iter().map(|c| c.text.as_str()));
    let mut order: Vec<(u32, usize)> = seqs.iter().enumerate().filter_map(|(i, q)| Some(((*q)?, i))).collect();
    order.sort();
    for (k, (_, i)) in order.into_iter().enumerate() {
        let seq = start + step * k as u64;
        if seq > u64::from(u32::MAX) {
            return Err("Exceeded maximum sequence number.".into());
        }
        let c = &mut n.children[i];
        let body = match c.text.split_once(' ') {
            Some((x, rest)) if x.parse::<u32>().is_ok() => rest.to_string(),
            _ => c.text.clone(),
        };
        c.text = format!("{seq} {body}");
    }
    Ok(())
}

/// Once a list is edited by sequence number, each entry keeps the number
/// IOS gave it (written before the entry, as IOS-XE shows them), so that
/// removing or inserting one does not renumber the others. The numbers.
fn pin_sequence_numbers(list: &mut [crate::cisco_doc::Node]) -> Vec<Option<u32>> {
    let seqs = super::super::show_acl::sequence_numbers(list.iter().map(|n| n.text.as_str()));
    for (n, seq) in list.iter_mut().zip(&seqs) {
        if let (Some(seq), false) = (seq, n.text.starts_with(|c: char| c.is_ascii_digit())) {
            n.text = format!("{seq} {}", n.text);
        }
    }
    seqs
}

/// `no SEQ` in a named list: the entry IOS numbers SEQ is removed (no entry: nothing happens).
fn no_sequence(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let Some(seq) = a.num("<1-2147483647>").and_then(|n| u32::try_from(n).ok()) else { return Ok(()) };
    super::super::modes_tree::with_current(s, |list| {
        let seqs = pin_sequence_numbers(list);
        if let Some(i) = seqs.iter().position(|n| *n == Some(seq)) {
            list.remove(i);
        }
    });
    Ok(())
}

/// [`check_ace`], a refusal reported in IOS's words (a bad port at its caret).
fn checked(s: &Session, a: &Args, rest: &str, o: &mut dyn Out) -> CmdResult {
    check_ace(rest).or_else(|e| crate::cisco_acl::refuse(e, s, a, rest, &crate::ios::ERROR_WORDS, o))
}

/// The `ExtAcl` mode.
pub(super) fn ext_acl_mode(g: &mut G) {
    add(
        g,
        "[<1-2147483647>:number] {permit | deny} LINE",
        &[
            "Sequence number",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
        ],
        acl_entry,
    );
    add(g, "remark LINE", &["Access list entry comment", "Comment"], append);
    add(g, "no <1-2147483647>", &["Negate a command or set its defaults", "Sequence number"], no_sequence);
}

/// `show ip access-lists [NAME]` and `show access-lists [NAME]` (`show_acl.rs`).
pub(super) fn shows(g: &mut G) {
    let show = |s: &mut Session, a: &Args, o: &mut dyn Out| {
        let doc = s.router().ios_doc.clone();
        super::super::show_acl::render(&super::super::show_acl::listings(&doc, a.get("WORD")), o);
        Ok(())
    };
    add(
        g,
        "show ip access-lists [WORD]",
        &["Show running system information", "IP information", "List IP access lists", "ACL name or number"],
        show,
    );
    add(
        g,
        "show access-lists [WORD]",
        &["Show running system information", "List access lists", "ACL name or number"],
        show,
    );
    add(
        g,
        "show object-group [name WORD]",
        &["Show running system information", "List object groups", "Object group name", "Object group name"],
        |s, a, o| {
            let doc = s.router().ios_doc.clone();
            super::super::show_acl::render_object_groups(
                &super::super::show_acl::object_groups(&doc, a.get("WORD")),
                o,
            );
            Ok(())
        },
    );
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
    add(
        g,
        "access-list {<1-99> | <1300-1999>} {permit | deny} LINE",
        &[
            "Add an access list entry",
            "IP standard access list",
            "IP standard access list (expanded range)",
            "Specify packets to forward",
            "Specify packets to reject",
            "Source address",
        ],
        |s, a, _| {
            check_standard(a.get("LINE").unwrap_or(""))?;
            set_line(s, "", &super::super::acl_check::masked(&canon(a)));
            Ok(())
        },
    );
    add(
        g,
        "access-list {<100-199> | <2000-2699>} {permit | deny} LINE",
        &[
            "Add an access list entry",
            "IP extended access list",
            "IP extended access list (expanded range)",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
        ],
        |s, a, o| {
            checked(s, a, a.get("LINE").unwrap_or(""), o)?;
            set_line(s, "", &super::super::acl_check::masked(&canon(a)));
            Ok(())
        },
    );
    add(
        g,
        "ip access-list resequence WORD <1-2147483647>:start <1-2147483647>:step",
        &[
            "Global IP configuration subcommands",
            "Add an access list entry",
            "Resequence Access List",
            "Access list name",
            "Starting Sequence Number",
            "Step to increment the sequence number",
        ],
        resequence,
    );
    add(
        g,
        "ip access-list extended WORD",
        &[
            "Global IP configuration subcommands",
            "Add an access list entry",
            "Extended Access List",
            "Access-list name",
        ],
        b_acl,
    );
    add(
        g,
        "access-list {<1-199> | <1300-2699>} remark LINE",
        &[
            "Add an access list entry",
            "IP access list",
            "IP access list (expanded range)",
            "Access list entry comment",
            "Comment",
        ],
        |s, a, _| {
            set_line(s, "", &canon(a));
            Ok(())
        },
    );
}
