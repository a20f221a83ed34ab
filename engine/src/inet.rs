//! The Internet checksum (RFC 1071), one copy for every header that carries
//! it: the IPv4 header (RFC 791) the AH and transport-mode code rebuild and
//! the dataplane's link path rewrites, and the router's ICMP echoes.

/// The one's complement of the one's-complement sum of `data` as 16-bit
/// big-endian words (an odd last byte padded with zero). Over a header
/// whose checksum field is zero it is the value to store; over a header
/// with its checksum in place it is zero when the header is intact.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2, complemented 0x220d.
        assert_eq!(checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0x220d);
        assert_eq!(checksum(&[0xff]), 0x00ff);
        assert_eq!(checksum(&[]), 0xffff);
    }
}
