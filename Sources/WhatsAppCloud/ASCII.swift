/// Digits in the ASCII range, the one place Flowgate reads them byte by byte: signatures, JSON
/// escapes, YAML numbers, lengths of time.
public enum ASCII {
    /// The value of a decimal digit byte, `0` to `9`; nil for anything else.
    public static func digitValue(_ byte: UInt8) -> UInt8? {
        (0x30...0x39).contains(byte) ? byte - 0x30 : nil
    }

    /// The value of a hexadecimal digit byte, `0`-`9`, `a`-`f` or `A`-`F`; nil for anything else.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

extension Character {
    /// `0` to `9` only: `Character.isNumber` also holds for `٢` and `²`, which `Int(_:)` cannot read.
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
