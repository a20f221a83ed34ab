//! Keys masked in `show history` as passwords are (issue 14.8): pre-shared
//! keys (IOS `crypto isakmp key`, keyring `pre-shared-key ... key`, IKEv2
//! keyring `pre-shared-key [local|remote] [0|6] KEY`, SmartEdge
//! `pre-shared-key KEY | hex HEX`), manual ESP/AH keys (SmartEdge `esp
//! ... key K | hex H`, `ah ... key K | hex H`, IOS `set session-key ...
//! cipher H authenticator H`), key-chain `key-string`, SNMP communities,
//! and IOS's master key (`key config-key password-encrypt KEY`).

const MASK: &str = "*****";

/// `line` (already split on white space) with its keys replaced by `*****`.
pub fn mask_keys(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let first = w.first().copied().unwrap_or("");
    let first = if first == "no" { w.get(1).copied().unwrap_or("") } else { first };
    let manual = matches!(first, "esp" | "ah" | "set");
    let mut out: Vec<String> = Vec::with_capacity(w.len());
    let mut i = 0;
    // Mask the value at `j`, after an optional type word (0, 6, hex).
    let value_at = |j: usize| -> Option<usize> {
        match w.get(j) {
            Some(&("0" | "6" | "7" | "hex")) if j + 1 < w.len() => Some(j + 1),
            Some(_) => Some(j),
            None => None,
        }
    };
    while i < w.len() {
        let word = w[i];
        out.push(word.to_string());
        let target = match word {
            "key" if i > 0 && (w[i - 1] == "isakmp" || manual || w[..i].contains(&"pre-shared-key")) => value_at(i + 1),
            "pre-shared-key" => match w.get(i + 1) {
                Some(&("address" | "hostname" | "use-aaa")) | None => None,
                Some(&("local" | "remote")) => {
                    out.push(w[i + 1].to_string());
                    i += 1;
                    value_at(i + 1)
                }
                Some(_) => value_at(i + 1),
            },
            "hex" if manual => Some(i + 1).filter(|j| *j < w.len()),
            "cipher" | "authenticator" if manual => Some(i + 1).filter(|j| *j < w.len()),
            "key-string" => {
                // The rest of the line is the key.
                if i + 1 < w.len() {
                    out.push(MASK.into());
                }
                break;
            }
            "community" if first == "snmp-server" => Some(i + 1).filter(|j| *j < w.len()),
            // IOS's master key of type 6 keys (`key config-key password-encrypt KEY`).
            "password-encrypt" if first == "key" => Some(i + 1).filter(|j| *j < w.len()),
            _ => None,
        };
        if let Some(t) = target {
            for k in i + 1..t {
                out.push(w[k].to_string());
            }
            out.push(MASK.into());
            i = t + 1;
            continue;
        }
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::mask_keys;

    #[test]
    fn keys_are_masked() {
        for (line, want) in [
            ("crypto isakmp key 0 s3cret address 192.0.2.1", "crypto isakmp key 0 ***** address 192.0.2.1"),
            (
                "crypto isakmp key s3cret address 192.0.2.1 255.255.255.255",
                "crypto isakmp key ***** address 192.0.2.1 255.255.255.255",
            ),
            ("pre-shared-key s3cret", "pre-shared-key *****"),
            ("key config-key password-encrypt Master-1", "key config-key password-encrypt *****"),
            ("pre-shared-key hex 0xA1B2", "pre-shared-key hex *****"),
            ("pre-shared-key use-aaa", "pre-shared-key use-aaa"),
            ("pre-shared-key local 0 s3cret", "pre-shared-key local 0 *****"),
            ("pre-shared-key address 192.0.2.1 key s3cret", "pre-shared-key address 192.0.2.1 key *****"),
            ("esp encryption aes-128-cbc key abcdefabcdefabcd", "esp encryption aes-128-cbc key *****"),
            ("esp authentication hmac-sha1 hex 0x0102", "esp authentication hmac-sha1 hex *****"),
            (
                "set session-key inbound esp 300 cipher 0102 authenticator 0304",
                "set session-key inbound esp 300 cipher ***** authenticator *****",
            ),
            ("key-string my chain key", "key-string *****"),
            ("snmp-server community public RO", "snmp-server community ***** RO"),
            ("crypto key generate rsa modulus 2048", "crypto key generate rsa modulus 2048"),
            ("authentication pre-shared-key", "authentication pre-shared-key"),
            ("show ike policy", "show ike policy"),
        ] {
            assert_eq!(mask_keys(line), want, "{line}");
        }
    }
}
